#include "core/scan/privs.h"

#include <cap-ng.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The user orbit becomes when started as root without --user. */
static const char DEFAULT_USER[] = "nobody";

int privs_plan_from(const char *user, bool drop, struct privs_plan *p, struct errbuf *e)
{
	memset(p, 0, sizeof *p);
	p->drop = drop;
	if (!drop)
		return 0;
	const char *name = user ? user : geteuid() == 0 ? DEFAULT_USER : NULL;
	if (!name)
		return 0;
	const struct passwd *pw = getpwnam(name);
	if (!pw && user)
		return err_set(e, "invalid --user '%s': no such user", user);
	if (!pw)
		return err_set(e, "no user '%s' to run as once set up: name one with --user, or "
				  "keep root with --no-drop-privileges", name);
	if (strlen(name) >= sizeof p->user)
		return err_set(e, "invalid --user '%s': name too long", name);
	snprintf(p->user, sizeof p->user, "%s", name);
	p->change_id = true;
	p->uid = pw->pw_uid;
	p->gid = pw->pw_gid;
	return 0;
}

int privs_drop(const struct privs_plan *p, struct errbuf *e)
{
	if (!p->drop)
		return 0;
	capng_clear(CAPNG_SELECT_BOTH); /* keep none: see the header for why none is needed */
	if (p->change_id) {
		/* Process-wide: glibc changes the ids of every thread (DPDK's own included), and
		 * the kernel clears the capabilities of each thread that leaves uid 0. */
		int rc = capng_change_id((int)p->uid, (int)p->gid,
					 CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
		if (rc < 0)
			return err_set(e, "cannot drop privileges to user '%s' (libcap-ng error %d): "
					  "%s; --no-drop-privileges keeps them",
				       p->user, rc, strerror(errno));
		if (getuid() != p->uid || geteuid() != p->uid || getegid() != p->gid)
			return err_set(e, "dropping privileges to user '%s' did not take", p->user);
		return 0;
	}
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE &&
	    capng_apply(CAPNG_SELECT_BOTH) < 0)
		return err_set(e, "cannot clear capabilities: %s", strerror(errno));
	return 0;
}
