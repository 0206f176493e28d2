/* The -T templates (see config/timing.h). nmap's templates set RTT timeouts, retries and
 * delays of its per-host congestion control; orbit is stateless and paced, so each maps
 * to the knobs that play the same part: the pace (--rate, --scan-delay), the retries, how
 * long to wait for late replies (--cooldown, nmap's max RTT timeout rounded up) and the
 * follow-up connections' time limit. -T3 (normal) is orbit's defaults. */
#include "config/timing.h"

#include <string.h>

#include "config/option_table.h"

struct timing_template {
	const char *number, *name;
	uint64_t rate;       /* probes/s */
	unsigned max_retries;
	unsigned cooldown;   /* s */
	unsigned grab_timeout; /* s */
	unsigned scan_delay_ms;
};

static const struct timing_template templates[] = {
	{"0", "paranoid", 10000, 10, 10, 10, 300000},
	{"1", "sneaky", 10000, 10, 10, 10, 15000},
	{"2", "polite", 10000, 10, 10, 10, 400},
	{"3", "normal", 10000, 10, 8, 10, 0},
	{"4", "aggressive", 50000, 6, 2, 6, 0},
	{"5", "insane", 200000, 2, 1, 3, 0},
};

static const struct timing_template *template_named(const char *t)
{
	for (size_t i = 0; t && i < sizeof templates / sizeof templates[0]; i++)
		if (strcmp(t, templates[i].number) == 0 || strcmp(t, templates[i].name) == 0)
			return &templates[i];
	return NULL;
}

static bool given(const struct orbit_config *cfg, const char *name)
{
	const struct option_spec *o = option_canonical(option_by_name(name));
	return cfg->option_given[o - option_table];
}

int timing_apply(struct orbit_config *cfg, struct errbuf *e)
{
	const struct timing_template *t = template_named(cfg->timing);
	if (t) {
		if (!given(cfg, "rate") && !given(cfg, "bandwidth"))
			cfg->rate = t->rate;
		if (!given(cfg, "max-retries"))
			cfg->max_retries = t->max_retries;
		if (!given(cfg, "cooldown"))
			cfg->cooldown = t->cooldown;
		if (!given(cfg, "grab-timeout"))
			cfg->grab_timeout = t->grab_timeout;
		if (!given(cfg, "scan-delay"))
			cfg->scan_delay_ms = t->scan_delay_ms;
	}
	if (cfg->min_rate && cfg->scan_delay_ms && 1000.0 / cfg->scan_delay_ms < (double)cfg->min_rate)
		return err_set(e, "conflicting options --min-rate %llu and --scan-delay %u ms: the "
				  "delay allows %.3g probes/s at most", (unsigned long long)cfg->min_rate,
			       cfg->scan_delay_ms, 1000.0 / cfg->scan_delay_ms);
	if (cfg->min_rate && cfg->rate && cfg->rate < cfg->min_rate)
		cfg->rate = cfg->min_rate;
	return 0;
}

void timing_print_man(FILE *out)
{
	fputs(".SH TIMING TEMPLATES\n"
	      "\\fB\\-T\\fR\\fIN\\fR (or its name) sets these knobs, each only where neither the\n"
	      "command line nor the \\fB\\-c\\fR file gives it; \\fB\\-T3\\fR is orbit's defaults.\n"
	      "nmap tunes per\\-host round\\-trip timeouts; orbit, stateless, paces probes instead, so\n"
	      "\\fB\\-\\-cooldown\\fR stands for nmap's largest RTT timeout. \\fB\\-\\-scan\\-delay\\fR caps\n"
	      "the pace at one probe per delay whatever \\fB\\-\\-rate\\fR says.\n"
	      ".PP\n.nf\n"
	      "template        rate/s  max\\-retries  cooldown  grab\\-timeout  scan\\-delay\n",
	      out);
	for (size_t i = 0; i < sizeof templates / sizeof templates[0]; i++) {
		const struct timing_template *t = &templates[i];
		fprintf(out, "\\-T%s %-11s %7llu  %11u  %7us  %11us  %8ums\n", t->number, t->name,
			(unsigned long long)t->rate, t->max_retries, t->cooldown, t->grab_timeout,
			t->scan_delay_ms);
	}
	fputs(".fi\n", out);
}
