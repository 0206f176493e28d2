#include "output/os_report.h"

#include <string.h>

#define LIST_MAX 32

/* Distinct strings, in first-seen order. */
struct strset {
	const char *v[LIST_MAX];
	size_t n;
};

static void strset_add(struct strset *s, const char *v)
{
	if (!v || !*v)
		return;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], v) == 0)
			return;
	if (s->n < LIST_MAX)
		s->v[s->n++] = v;
}

static void strset_print(FILE *f, const struct strset *s, const char *sep)
{
	for (size_t i = 0; i < s->n; i++)
		fprintf(f, "%s%s", i ? sep : "", s->v[i]);
}

static unsigned percent(double accuracy)
{
	return (unsigned)(accuracy * 100.0 + 1e-9);
}

/* The matches the lines speak of: the perfect ones, else the guesses above the
 * threshold (with guess: at least the best one). */
static size_t shown(const struct os_host_result *r, bool guess, bool *perfect)
{
	size_t n = 0;
	*perfect = r->nmatches && r->matches[0].accuracy >= 1.0;
	while (n < r->nmatches &&
	       (*perfect ? r->matches[n].accuracy >= 1.0
			 : r->matches[n].accuracy >= OS_GUESS_THRESHOLD || (guess && n == 0)))
		n++;
	return n;
}

/* "Linux 3.X|4.X", "Microsoft Windows 10": per vendor and family, their generations. */
static void print_running(FILE *f, const struct nmap_os_db *db, const struct os_host_result *r,
			  size_t n)
{
	struct strset families = {0};
	for (size_t i = 0; i < n; i++) {
		const struct nmap_fp *fp = nmap_os_db_entry(db, r->matches[i].entry);
		for (size_t c = 0; c < nmap_fp_class_count(fp); c++)
			strset_add(&families, nmap_fp_class(fp, c).family);
	}
	for (size_t k = 0; k < families.n; k++) {
		struct strset gens = {0};
		const char *vendor = "";
		for (size_t i = 0; i < n; i++) {
			const struct nmap_fp *fp = nmap_os_db_entry(db, r->matches[i].entry);
			for (size_t c = 0; c < nmap_fp_class_count(fp); c++) {
				struct nmap_os_class oc = nmap_fp_class(fp, c);
				if (strcmp(oc.family, families.v[k]) != 0)
					continue;
				vendor = oc.vendor;
				strset_add(&gens, oc.gen);
			}
		}
		fprintf(f, "%s", k ? ", " : "");
		if (strcmp(vendor, families.v[k]) != 0)
			fprintf(f, "%s ", vendor);
		fprintf(f, "%s", families.v[k]);
		if (gens.n) {
			fputc(' ', f);
			strset_print(f, &gens, "|");
		}
	}
}

void os_report_text(FILE *f, const struct nmap_os_db *db, const struct os_host_result *r,
		    bool guess)
{
	if (r->no_port_pair)
		fputs("Warning: OSScan results may be unreliable because we could not find at "
		      "least 1 open and 1 closed port\n", f);
	bool perfect = false, nonideal = r->nonideal || r->no_port_pair;
	size_t n = db ? shown(r, guess, &perfect) : 0;
	if (!perfect && !guess && !nonideal)
		n = 0; /* a clean fingerprint with no match: nmap asks for it, lists nothing */
	if (n == 0 && (perfect || !r->nmatches || r->matches[0].accuracy < OS_GUESS_THRESHOLD)) {
		fputs("No OS matches for host\n", f);
	} else if (n == 0) {
		fputs("No exact OS matches for host (If you know what OS is running on it, see "
		      "https://nmap.org/submit/ ).\n", f);
	} else {
		struct strset types = {0}, cpes = {0};
		for (size_t i = 0; i < n; i++) {
			const struct nmap_fp *fp = nmap_os_db_entry(db, r->matches[i].entry);
			for (size_t c = 0; c < nmap_fp_class_count(fp); c++)
				strset_add(&types, nmap_fp_class(fp, c).type);
			for (size_t c = 0; c < nmap_fp_cpe_count(fp); c++)
				strset_add(&cpes, nmap_fp_cpe(fp, c));
		}
		fputs("Device type: ", f);
		strset_print(f, &types, "|");
		fputs(perfect ? "\nRunning: " : "\nRunning (JUST GUESSING): ", f);
		print_running(f, db, r, n);
		if (!perfect)
			fprintf(f, " (%u%%)", percent(r->matches[0].accuracy));
		if (cpes.n) {
			fputs("\nOS CPE: ", f);
			strset_print(f, &cpes, " ");
		}
		fputs(perfect ? "\nOS details: " : "\nAggressive OS guesses: ", f);
		for (size_t i = 0; i < n; i++) {
			fprintf(f, "%s%s", i ? ", " : "",
				nmap_fp_name(nmap_os_db_entry(db, r->matches[i].entry)));
			if (!perfect)
				fprintf(f, " (%u%%)", percent(r->matches[i].accuracy));
		}
		fputc('\n', f);
		if (!perfect)
			fputs(nonideal ? "No exact OS matches for host (test conditions non-ideal).\n"
				       : "No exact OS matches for host (If you know what OS is running "
					 "on it, see https://nmap.org/submit/ ).\n", f);
	}
	if (r->distance >= 0)
		fprintf(f, "Network Distance: %d hop%s\n", r->distance, r->distance == 1 ? "" : "s");
}

static void xml_attr(FILE *f, const char *name, const char *v)
{
	fprintf(f, " %s=\"", name);
	for (; *v; v++) {
		switch (*v) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*v, f);
		}
	}
	fputc('"', f);
}

void os_report_xml(FILE *f, const struct nmap_os_db *db, const struct os_host_result *r)
{
	fputs("<os>", f);
	for (size_t i = 0; db && i < r->nmatches; i++) {
		const struct nmap_fp *fp = nmap_os_db_entry(db, r->matches[i].entry);
		unsigned acc = percent(r->matches[i].accuracy);
		fputs("<osmatch", f);
		xml_attr(f, "name", nmap_fp_name(fp));
		fprintf(f, " accuracy=\"%u\" line=\"0\">\n", acc);
		for (size_t c = 0; c < nmap_fp_class_count(fp); c++) {
			struct nmap_os_class oc = nmap_fp_class(fp, c);
			fputs("<osclass", f);
			xml_attr(f, "type", oc.type);
			xml_attr(f, "vendor", oc.vendor);
			xml_attr(f, "osfamily", oc.family);
			if (*oc.gen)
				xml_attr(f, "osgen", oc.gen);
			fprintf(f, " accuracy=\"%u\">", acc);
			for (size_t k = 0; k < nmap_fp_cpe_count(fp); k++)
				if (nmap_fp_cpe_class(fp, k) == c)
					fprintf(f, "<cpe>%s</cpe>", nmap_fp_cpe(fp, k));
			fputs("</osclass>\n", f);
		}
		fputs("</osmatch>\n", f);
	}
	fputs("</os>\n", f);
	if (r->distance >= 0)
		fprintf(f, "<distance value=\"%d\"/>\n", r->distance);
}

static void json_str(struct json *j, const char *key, const char *v)
{
	json_key(j, key);
	json_cstring(j, v);
}

void os_report_json(struct json *j, const struct nmap_os_db *db, const struct os_host_result *r)
{
	json_object_begin(j);
	json_key(j, "matches");
	json_array_begin(j);
	for (size_t i = 0; db && i < r->nmatches; i++) {
		const struct nmap_fp *fp = nmap_os_db_entry(db, r->matches[i].entry);
		json_object_begin(j);
		json_str(j, "name", nmap_fp_name(fp));
		json_key(j, "accuracy");
		json_uint(j, percent(r->matches[i].accuracy));
		json_key(j, "classes");
		json_array_begin(j);
		for (size_t c = 0; c < nmap_fp_class_count(fp); c++) {
			struct nmap_os_class oc = nmap_fp_class(fp, c);
			json_object_begin(j);
			json_str(j, "type", oc.type);
			json_str(j, "vendor", oc.vendor);
			json_str(j, "osfamily", oc.family);
			json_str(j, "osgen", oc.gen);
			json_key(j, "cpe");
			json_array_begin(j);
			for (size_t k = 0; k < nmap_fp_cpe_count(fp); k++)
				if (nmap_fp_cpe_class(fp, k) == c)
					json_cstring(j, nmap_fp_cpe(fp, k));
			json_array_end(j);
			json_object_end(j);
		}
		json_array_end(j);
		json_object_end(j);
	}
	json_array_end(j);
	if (r->distance >= 0) {
		json_key(j, "distance");
		json_int(j, r->distance);
	}
	if (r->no_port_pair) {
		json_key(j, "unreliable");
		json_bool(j, true);
	}
	json_object_end(j);
}
