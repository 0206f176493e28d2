/* Least privilege: once the NIC, its sockets and every file the scan writes are open,
 * orbit stops being root, so the threads that parse replies from the network and the
 * banner-grab pool never run with privileges. Contract: privs_plan_from() (params.c,
 * before anything opens) resolves --user / --no-drop-privileges into a plan, or fails
 * with one line naming the bad user; privs_drop() (engine.c, before any receive, transmit
 * or grab thread starts) applies it to the whole process: every capability cleared
 * (effective, permitted, inheritable and the bounding set), supplementary groups
 * dropped, then uid and gid changed. Nothing kept is needed afterwards: packet sockets,
 * DPDK ports and pcap handles keep working once open, and grabs connect from unprivileged
 * ports. Not root and no --user: only the capabilities (file capabilities) are cleared. */
#ifndef ORBIT_SCAN_PRIVS_H
#define ORBIT_SCAN_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/base/error.h"

struct privs_plan {
	bool drop;        /* false: --no-drop-privileges, nothing changes */
	bool change_id;   /* become uid/gid: started as root, or --user given */
	uid_t uid;
	gid_t gid;
	char user[64];
};

int privs_plan_from(const char *user, bool drop, struct privs_plan *p, struct errbuf *e);
int privs_drop(const struct privs_plan *p, struct errbuf *e);

#endif
