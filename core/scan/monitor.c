#include "core/scan/monitor.h"
#include "output/json.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "core/base/clock.h"

int monitor_open(struct monitor *m, bool human, const char *status_path, uint64_t start_ns,
		 struct errbuf *e)
{
	memset(m, 0, sizeof *m);
	m->human = human ? stderr : NULL;
	m->start_ns = start_ns;
	m->interval_ns = 1000000000u;
	m->next_ns = start_ns + m->interval_ns;
	if (status_path) {
		m->machine = fopen(status_path, "w");
		if (!m->machine)
			return err_set(e, "cannot write --status-file '%s': %s", status_path,
				       strerror(errno));
	}
	return 0;
}

bool monitor_due(const struct monitor *m, uint64_t now_ns)
{
	return (m->human || m->machine) && now_ns >= m->next_ns;
}

/* "1:05", "1:02:03": how people read elapsed times and ETAs. */
static void duration_text(double s, char *out, size_t cap)
{
	if (s < 0)
		s = 0;
	unsigned long t = (unsigned long)(s + 0.5);
	if (t >= 3600)
		snprintf(out, cap, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(out, cap, "%lu:%02lu", t / 60, t % 60);
}

/* "950", "12.3k", "4.56M": rates and counts at a glance. */
static void si_text(double v, char *out, size_t cap)
{
	if (v >= 1e9)
		snprintf(out, cap, "%.2fG", v / 1e9);
	else if (v >= 1e6)
		snprintf(out, cap, "%.2fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(out, cap, "%.1fk", v / 1e3);
	else
		snprintf(out, cap, "%.0f", v);
}

/* What one line shows, derived from a sample and the previous one. */
struct monitor_view {
	double elapsed, send_rate, recv_rate, avg_rate, done, eta, hit_rate;
};

static struct monitor_view view_of(const struct monitor *m, const struct monitor_sample *s)
{
	struct monitor_view v;
	v.elapsed = (double)(s->now_ns - m->start_ns) / 1e9;
	double dt = m->have_prev ? (double)(s->now_ns - m->prev.now_ns) / 1e9 : v.elapsed;
	uint64_t prev_sent = m->have_prev ? m->prev.sent : 0;
	uint64_t prev_recv = m->have_prev ? m->prev.received : 0;
	v.send_rate = dt > 0 ? (double)(s->sent - prev_sent) / dt : 0;
	v.recv_rate = dt > 0 ? (double)(s->received - prev_recv) / dt : 0;
	v.avg_rate = v.elapsed > 0 ? (double)s->sent / v.elapsed : 0;
	v.done = s->cooling_down ? 1.0 : s->expected ? (double)s->sent / (double)s->expected : 0.0;
	/* An interrupted scan is as done as what it sent, and never claims 100 %. */
	if (s->interrupted)
		v.done = s->expected ? (double)s->sent / (double)s->expected : 0.0;
	if (v.done > (s->interrupted ? 0.99 : 1))
		v.done = s->interrupted ? 0.99 : 1;
	/* ETA: the rest of the probes at the average rate, then the cooldown. */
	v.eta = -1;
	if (s->cooling_down)
		v.eta = s->cooldown_left_s;
	else if (s->expected && v.avg_rate > 0)
		v.eta = (double)(s->expected - (s->sent < s->expected ? s->sent : s->expected)) /
			v.avg_rate;
	v.hit_rate = s->sent ? 100.0 * (double)s->hits / (double)s->sent : 0;
	return v;
}

static void print_human(FILE *out, const struct monitor_sample *s, const struct monitor_view *v)
{
	char el[32], et[32], sent[32], rate[32], recv[32], res[32], hits[32], drops[32], fq[32];
	duration_text(v->elapsed, el, sizeof el);
	if (v->eta >= 0)
		duration_text(v->eta, et, sizeof et);
	else
		snprintf(et, sizeof et, "?");
	si_text((double)s->sent, sent, sizeof sent);
	si_text(v->send_rate, rate, sizeof rate);
	si_text((double)s->received, recv, sizeof recv);
	si_text((double)s->results, res, sizeof res);
	si_text((double)s->hits, hits, sizeof hits);
	si_text((double)s->drops, drops, sizeof drops);
	if (s->followup_queue >= 0)
		snprintf(fq, sizeof fq, "%" PRId64, s->followup_queue);
	else
		snprintf(fq, sizeof fq, "-");
	fprintf(out, "orbit: %s %3.0f%% %s %s; sent %s (%s p/s); recv %s; results %s; "
		     "hits %s (%.3f%%); drops %s; follow-up %s\n",
		el, 100 * v->done,
		s->interrupted ? "interrupted, cooldown" : s->cooling_down ? "cooldown" : "ETA", et,
		sent, rate, recv, res,
		hits, v->hit_rate, drops, fq);
}

static void print_machine(FILE *out, const struct monitor_sample *s, const struct monitor_view *v)
{
	char buf[1024];
	struct json j;
	json_init(&j, buf, sizeof buf);
	json_object_begin(&j);
	json_key(&j, "time"); json_double(&j, (double)clock_wall_ns() / 1e9, 3);
	json_key(&j, "elapsed_s"); json_double(&j, v->elapsed, 3);
	json_key(&j, "percent_done"); json_double(&j, 100 * v->done, 2);
	json_key(&j, "eta_s");
	if (v->eta >= 0)
		json_double(&j, v->eta, 1);
	else
		json_null(&j);
	json_key(&j, "phase");
	json_cstring(&j, s->interrupted ? "interrupted" : s->cooling_down ? "cooldown" : "sending");
	json_key(&j, "sent"); json_uint(&j, s->sent);
	json_key(&j, "send_rate"); json_double(&j, v->send_rate, 1);
	json_key(&j, "avg_send_rate"); json_double(&j, v->avg_rate, 1);
	json_key(&j, "received"); json_uint(&j, s->received);
	json_key(&j, "recv_rate"); json_double(&j, v->recv_rate, 1);
	json_key(&j, "results"); json_uint(&j, s->results);
	json_key(&j, "hits"); json_uint(&j, s->hits);
	json_key(&j, "hit_rate"); json_double(&j, v->hit_rate / 100, 6);
	json_key(&j, "drops"); json_uint(&j, s->drops);
	json_key(&j, "followup_queue");
	if (s->followup_queue >= 0)
		json_int(&j, s->followup_queue);
	else
		json_null(&j);
	json_object_end(&j);
	json_append(&j, "\n", 1);
	fwrite(buf, 1, json_len(&j), out);
	fflush(out);
}

void monitor_tick(struct monitor *m, const struct monitor_sample *s)
{
	struct monitor_view v = view_of(m, s);
	if (m->human)
		print_human(m->human, s, &v);
	if (m->machine)
		print_machine(m->machine, s, &v);
	m->prev = *s;
	m->have_prev = true;
	while (m->next_ns <= s->now_ns)
		m->next_ns += m->interval_ns;
}

void monitor_close(struct monitor *m)
{
	if (m->machine)
		fclose(m->machine);
	m->machine = NULL;
}
