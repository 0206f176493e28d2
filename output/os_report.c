#include "output/os_report.h"

#include <string.h>


static unsigned percent(double accuracy)
{
	return (unsigned)(accuracy * 100.0 + 1e-9); /* nmap prints floor(accuracy x 100) */
}

/* The matches nmap keeps (at or above its guess threshold) and how many are perfect. */
static size_t kept_matches(const struct os_host_result *r, size_t *perfect)
{
	size_t n = 0, p = 0;
	while (n < r->nmatches && r->matches[n].accuracy >= OS_GUESS_THRESHOLD)
		p += r->matches[n++].accuracy >= 1.0;
	*perfect = p;
	return n;
}

static bool too_many(const struct os_host_result *r)
{
	size_t perfect;
	kept_matches(r, &perfect);
	return perfect > OS_TOO_MANY;
}

/* The matches an osmatch list names (XML, NDJSON): every perfect one, else the best ten
 * within ten points of the first; none when too many are perfect. */
static size_t listed_matches(const struct os_host_result *r)
{
	size_t perfect, n = kept_matches(r, &perfect);
	if (perfect > OS_TOO_MANY)
		return 0;
	if (perfect)
		return perfect;
	size_t k = 0;
	while (k < n && k < 10 && r->matches[k].accuracy > r->matches[0].accuracy - 0.10)
		k++;
	return k;
}

/* ---- the classification: Device type, Running, OS CPE ---------------------------- */

enum { CLASSES_MAX = 36, MEMBERS_MAX = 8 }; /* nmap's limits on classes and on each list */

struct os_class_ref {
	const struct nmap_fp *fp;
	size_t index; /* within fp */
	double accuracy;
};

/* The distinct classes (vendor, family, type, generation) of the kept matches, best
 * first; with a perfect match only those of perfect matches. Returns how many are
 * perfect in *perfect_classes. */
static size_t classes_of(const struct nmap_os_db *db, const struct os_host_result *r,
			 struct os_class_ref *out, size_t *perfect_classes)
{
	size_t perfect, n = kept_matches(r, &perfect), k = 0;
	*perfect_classes = 0;
	for (size_t m = 0; m < n && !(perfect && m >= perfect); m++) {
		const struct nmap_fp *fp = nmap_os_db_entry(db, r->matches[m].entry);
		for (size_t c = 0; c < nmap_fp_class_count(fp); c++) {
			struct nmap_os_class a = nmap_fp_class(fp, c);
			bool seen = false;
			for (size_t i = 0; i < k && !seen; i++) {
				struct nmap_os_class b = nmap_fp_class(out[i].fp, out[i].index);
				seen = !strcmp(a.vendor, b.vendor) && !strcmp(a.family, b.family) &&
				       !strcmp(a.type, b.type) && !strcmp(a.gen, b.gen);
			}
			if (seen)
				continue;
			if (k == CLASSES_MAX)
				return k;
			out[k++] = (struct os_class_ref){fp, c, r->matches[m].accuracy};
			*perfect_classes += r->matches[m].accuracy >= 1.0;
		}
	}
	return k;
}

struct strlist {
	const char *v[MEMBERS_MAX];
	size_t n;
};

/* Adds v unless present; false when the list is full (nmap prints no classification). */
static bool strlist_add(struct strlist *l, const char *v)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], v))
			return true;
	if (l->n == MEMBERS_MAX)
		return false;
	l->v[l->n++] = v;
	return true;
}

struct family {
	char name[128];   /* "Microsoft Windows", "Linux" (vendor left out when the same) */
	char gens[96];    /* "4.X|5.X" */
	double accuracy;  /* its first class's */
};

struct classification {
	struct strlist types, cpes;
	struct family fam[MEMBERS_MAX];
	size_t nfam;
};

static bool add_family(struct classification *cl, struct nmap_os_class oc, double accuracy)
{
	char name[128];
	if (!strcmp(oc.vendor, oc.family))
		snprintf(name, sizeof name, "%s", oc.family);
	else
		snprintf(name, sizeof name, "%s %s", oc.vendor, oc.family);
	for (size_t i = 0; i < cl->nfam; i++) {
		struct family *f = &cl->fam[i];
		if (strcmp(f->name, name) != 0)
			continue;
		size_t len = strlen(f->gens);
		if (*oc.gen && !strstr(f->gens, oc.gen))
			snprintf(f->gens + len, sizeof f->gens - len, "%s%s", len ? "|" : "", oc.gen);
		return true;
	}
	if (cl->nfam == MEMBERS_MAX)
		return false;
	struct family *f = &cl->fam[cl->nfam++];
	snprintf(f->name, sizeof f->name, "%s", name);
	snprintf(f->gens, sizeof f->gens, "%s", oc.gen);
	f->accuracy = accuracy;
	return true;
}

static void print_classification(FILE *f, const struct nmap_os_db *db,
				 const struct os_host_result *r, bool guess)
{
	struct os_class_ref cls[CLASSES_MAX];
	size_t perfect, n = classes_of(db, r, cls, &perfect);
	struct classification cl = {0};
	bool fits = true;
	for (size_t i = 0; i < n && fits; i++) {
		if ((!guess && i >= perfect) || cls[i].accuracy <= cls[0].accuracy - 0.1 ||
		    (cls[i].accuracy < 1.0 && i > 9))
			break;
		struct nmap_os_class oc = nmap_fp_class(cls[i].fp, cls[i].index);
		fits = strlist_add(&cl.types, oc.type);
		for (size_t k = 0; k < nmap_fp_cpe_count(cls[i].fp); k++)
			if (nmap_fp_cpe_class(cls[i].fp, k) == cls[i].index)
				fits &= strlist_add(&cl.cpes, nmap_fp_cpe(cls[i].fp, k));
		fits &= add_family(&cl, oc, cls[i].accuracy);
	}
	if (!fits || cl.nfam == 0)
		return;
	fputs("Device type: ", f);
	for (size_t i = 0; i < cl.types.n; i++)
		fprintf(f, "%s%s", i ? "|" : "", cl.types.v[i]);
	fputs(perfect ? "\nRunning: " : "\nRunning (JUST GUESSING): ", f);
	for (size_t i = 0; i < cl.nfam; i++) {
		fprintf(f, "%s%s", i ? ", " : "", cl.fam[i].name);
		if (*cl.fam[i].gens)
			fprintf(f, " %s", cl.fam[i].gens);
		if (i >= perfect)
			fprintf(f, " (%u%%)", percent(cl.fam[i].accuracy));
	}
	fputc('\n', f);
	if (cl.cpes.n) {
		fputs("OS CPE:", f);
		for (size_t i = 0; i < cl.cpes.n; i++)
			fprintf(f, " %s", cl.cpes.v[i]);
		fputc('\n', f);
	}
}

/* nmap's block: the lines run together, cut every 71 characters, each cut after "OS:". */
static void print_fingerprint(FILE *f, const char *text)
{
	enum { WIDTH = 71 };
	if (!*text)
		return;
	fputs("TCP/IP fingerprint:\n", f);
	size_t col = 0;
	for (const char *c = text; *c; c++) {
		if (*c == '\n')
			continue;
		if (col == 0)
			fputs("OS:", f);
		fputc(*c, f);
		if (++col == WIDTH) {
			fputc('\n', f);
			col = 0;
		}
	}
	fputs(col ? "\n\n" : "\n", f);
}

/* OS details, or the guesses, or why there are none. */
static void print_matches(FILE *f, const struct nmap_os_db *db, const struct os_host_result *r,
			  bool guess)
{
	size_t perfect, n = kept_matches(r, &perfect);
	const char *reason = r->reason[0] ? r->reason : NULL;
	if (perfect) {
		fputs("OS details: ", f);
		for (size_t i = 0; i < perfect; i++)
			fprintf(f, "%s%s", i ? ", " : "", nmap_fp_name(nmap_os_db_entry(db, r->matches[i].entry)));
		fputc('\n', f);
	} else if (n) {
		if (guess || reason) {
			fputs("Aggressive OS guesses: ", f);
			for (size_t i = 0, listed = listed_matches(r); i < listed; i++)
				fprintf(f, "%s%s (%u%%)", i ? ", " : "",
					nmap_fp_name(nmap_os_db_entry(db, r->matches[i].entry)),
					percent(r->matches[i].accuracy));
			fputc('\n', f);
		}
		if (!reason) {
			fputs("No exact OS matches for host (If you know what OS is running on it, "
			      "see https://nmap.org/submit/ ).\n", f);
			print_fingerprint(f, r->fingerprint);
		} else {
			fputs("No exact OS matches for host (test conditions non-ideal).\n", f);
		}
	} else if (!reason) {
		fputs("No OS matches for host (If you know what OS is running on it, see "
		      "https://nmap.org/submit/ ).\n", f);
		print_fingerprint(f, r->fingerprint);
	} else {
		fprintf(f, "OS fingerprint not ideal because: %s\nNo OS matches for host\n", reason);
	}
}

void os_report_grepable(FILE *f, const struct nmap_os_db *db, const struct os_host_result *r)
{
	size_t perfect;
	kept_matches(r, &perfect);
	for (size_t i = 0; perfect <= OS_TOO_MANY && i < perfect; i++)
		fprintf(f, "%s%s", i ? "|" : "\tOS: ", nmap_fp_name(nmap_os_db_entry(db, r->matches[i].entry)));
}

void os_report_text(FILE *f, const struct nmap_os_db *db, const struct os_host_result *r,
		    bool guess)
{
	bool many = too_many(r);
	if (r->no_port_pair && !many)
		fputs("Warning: OSScan results may be unreliable because we could not find at "
		      "least 1 open and 1 closed port\n", f);
	/* a fingerprint nmap would not take as a submission: it guesses anyway */
	if (!many)
		print_classification(f, db, r, guess || r->reason[0]);
	if (many)
		fputs("Too many fingerprints match this host to give specific OS details\n", f);
	else
		print_matches(f, db, r, guess);
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
	for (size_t i = 0, listed = db ? listed_matches(r) : 0; i < listed; i++) {
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
	if (r->fingerprint[0] && !(r->nmatches && r->matches[0].accuracy >= 1.0)) {
		fputs("<osfingerprint", f);
		xml_attr(f, "fingerprint", r->fingerprint);
		fputs("/>\n", f);
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
	for (size_t i = 0, listed = db ? listed_matches(r) : 0; i < listed; i++) {
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
	if (r->fingerprint[0] && !(r->nmatches && r->matches[0].accuracy >= 1.0))
		json_str(j, "fingerprint", r->fingerprint);
	if (r->reason[0])
		json_str(j, "not_ideal", r->reason);
	if (too_many(r)) {
		json_key(j, "too_many_matches");
		json_bool(j, true);
	}
	if (r->no_port_pair) {
		json_key(j, "unreliable");
		json_bool(j, true);
	}
	json_object_end(j);
}
