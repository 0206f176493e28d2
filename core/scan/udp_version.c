/* -sU -sV (scan_internal.h): the UDP ports that need version detection wait here while
 * the scan runs (open ones from the receive threads, open|filtered ones from the end of
 * the scan's report of unanswered probes), then core/followup/udp_vscan.c probes them and
 * each is written once: upgraded to open with its version when a probe got a reply. */
#include <stdlib.h>
#include <string.h>

#include "core/followup/udp_vscan.h"
#include "core/scan/scan_internal.h"

#define UDP_PENDING_MAX 65536 /* ports kept for UDP version probes; more go out as they are */

void udp_version_init(struct scan *s)
{
	memset(&s->udp_pending, 0, sizeof(s->udp_pending));
	pthread_mutex_init(&s->udp_pending.lock, NULL);
	s->udp_pending.on = s->cfg->grab && s->params->probe_db && s->cfg->scan_udp;
}

bool udp_version_defer(struct scan *s, const struct scan_result *r)
{
	struct udp_pending *u = &s->udp_pending;
	if (!u->on || r->proto != PROTO_UDP ||
	    (r->state != PORT_OPEN && r->state != PORT_OPEN_FILTERED))
		return false;
	pthread_mutex_lock(&u->lock);
	bool kept = false;
	if (u->n == u->cap && u->cap < UDP_PENDING_MAX) {
		size_t nc = u->cap ? u->cap * 2 : 256;
		struct scan_result *nv = realloc(u->v, nc * sizeof(*nv));
		if (nv) {
			u->v = nv;
			u->cap = nc;
		}
	}
	if (u->n < u->cap) {
		u->v[u->n++] = *r;
		kept = true;
	}
	pthread_mutex_unlock(&u->lock);
	return kept;
}

/* A port no probe got a reply from goes out as the scan saw it. */
static void udp_version_result(const struct grab_result *g, void *user)
{
	struct scan *s = user;
	if (g->status == GRAB_STATUS_SUCCESS || g->scan.state == PORT_OPEN) {
		rx_on_grab_result(g, s);
		return;
	}
	output_set_write_unanswered(s->out, &g->scan, 1);
}

void udp_version_run(struct scan *s)
{
	struct udp_pending *u = &s->udp_pending;
	if (u->n) {
		struct udp_vscan_params p = {
			.db = s->params->probe_db,
			.intensity = s->params->version_intensity,
			.parallel = 16,
			.source_ip = s->params->grab_source_ip,
			.trace = s->cfg->version_trace,
			.on_result = udp_version_result,
			.user = s,
		};
		if (udp_vscan_run(&p, u->v, u->n) < 0) /* no memory: as the scan saw them */
			for (size_t i = 0; i < u->n; i++)
				output_set_write(s->out, &u->v[i], 1);
	}
	free(u->v);
	u->v = NULL;
	u->n = u->cap = 0;
}

void udp_version_free(struct scan *s)
{
	free(s->udp_pending.v);
	s->udp_pending.v = NULL;
	pthread_mutex_destroy(&s->udp_pending.lock);
}
