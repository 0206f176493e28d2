/* output/os_report: nmap's OS lines, <os> and the NDJSON "os" object, on a small db in
 * nmap-os-db syntax (two Linux entries, one Windows) and ranked matches. */
#include <stdlib.h>
#include <string.h>

#include "output/os_report.h"
#include "tests/unit/check.h"

static const char db_text[] =
	"MatchPoints\nT1(R=100)\n\n"
	"Fingerprint Linux 4.15 - 5.8\nClass Linux | Linux | 4.X | general purpose\n"
	"CPE cpe:/o:linux:linux_kernel:4 auto\nClass Linux | Linux | 5.X | general purpose\n"
	"CPE cpe:/o:linux:linux_kernel:5 auto\nT1(R=Y)\n\n"
	"Fingerprint Linux 5.0 - 5.4\nClass Linux | Linux | 5.X | general purpose\n"
	"CPE cpe:/o:linux:linux_kernel:5 auto\nT1(R=Y)\n\n"
	"Fingerprint Microsoft Windows 10 1607\nClass Microsoft | Windows | 10 | general purpose\n"
	"CPE cpe:/o:microsoft:windows_10:1607\nT1(R=Y)\n";

static char *text_of(const struct nmap_os_db *db, const struct os_host_result *r, bool guess)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	os_report_text(f, db, r, guess);
	fclose(f);
	return out;
}

int main(void)
{
	struct nmap_os_db *db = nmap_os_db_parse(db_text, sizeof db_text - 1, NULL);
	CHECK_EQ_U64(nmap_os_db_count(db), 3);
	struct os_host_result r = {.matches = {{0, 1.0}, {1, 1.0}, {2, 0.5}}, .nmatches = 3,
				   .distance = 1};
	char *t = text_of(db, &r, false);
	CHECK_STR_EQ(t, "Device type: general purpose\n"
			"Running: Linux 4.X|5.X\n"
			"OS CPE: cpe:/o:linux:linux_kernel:4 cpe:/o:linux:linux_kernel:5\n"
			"OS details: Linux 4.15 - 5.8, Linux 5.0 - 5.4\n"
			"Network Distance: 1 hop\n");
	free(t);
	/* no closed port: nmap guesses (the reason), each family with its accuracy; the
	 * 80% match is below the threshold, no match at all */
	struct os_host_result g = {.matches = {{2, 0.96}, {1, 0.90}, {0, 0.80}}, .nmatches = 3,
				   .distance = 2, .no_port_pair = true,
				   .reason = "Missing a closed TCP port so results incomplete"};
	t = text_of(db, &g, false);
	CHECK_STR_EQ(t, "Warning: OSScan results may be unreliable because we could not find at "
			"least 1 open and 1 closed port\n"
			"Device type: general purpose\n"
			"Running (JUST GUESSING): Microsoft Windows 10 (96%), Linux 5.X (90%)\n"
			"OS CPE: cpe:/o:microsoft:windows_10:1607 cpe:/o:linux:linux_kernel:5\n"
			"Aggressive OS guesses: Microsoft Windows 10 1607 (96%), Linux 5.0 - 5.4 (90%)\n"
			"No exact OS matches for host (test conditions non-ideal).\n"
			"Network Distance: 2 hops\n");
	free(t);
	struct os_host_result none = {.matches = {{0, 0.3}}, .nmatches = 1, .distance = -1,
				      .fingerprint = "T1(R=Y)\n"};
	t = text_of(db, &none, false);
	CHECK_STR_EQ(t, "No OS matches for host (If you know what OS is running on it, see "
			"https://nmap.org/submit/ ).\nTCP/IP fingerprint:\nOS:T1(R=Y)\n\n");
	free(t);
	t = text_of(db, &none, true); /* below the threshold there is nothing to guess */
	CHECK(strstr(t, "Aggressive") == NULL);
	free(t);
	/* nine perfect matches: too many to name */
	struct os_host_result many = {.nmatches = 9, .distance = 1};
	for (size_t i = 0; i < 9; i++)
		many.matches[i] = (struct nmap_os_match){i % 3, 1.0};
	t = text_of(db, &many, true);
	CHECK_STR_EQ(t, "Too many fingerprints match this host to give specific OS details\n"
			"Network Distance: 1 hop\n");
	free(t);
	/* a clean fingerprint close to entries but matching none: no guesses unless asked */
	g.no_port_pair = false;
	g.reason[0] = 0;
	t = text_of(db, &g, false);
	CHECK_STR_EQ(t, "No exact OS matches for host (If you know what OS is running on it, see "
			"https://nmap.org/submit/ ).\nNetwork Distance: 2 hops\n");
	free(t);
	t = text_of(db, &g, true);
	CHECK(strstr(t, "Aggressive OS guesses: Microsoft Windows 10 1607 (96%)") != NULL &&
	      strstr(t, "(If you know what OS") != NULL);
	free(t);

	/* grepable: every perfect match, none for guesses */
	char *gl = NULL;
	size_t gll = 0;
	FILE *gf = open_memstream(&gl, &gll);
	os_report_grepable(gf, db, &r);
	os_report_grepable(gf, db, &g);
	fclose(gf);
	CHECK_STR_EQ(gl, "\tOS: Linux 4.15 - 5.8|Linux 5.0 - 5.4");
	free(gl);

	char *x = NULL;
	size_t xl = 0;
	FILE *f = open_memstream(&x, &xl);
	os_report_xml(f, db, &r);
	fclose(f);
	CHECK(strstr(x, "<osmatch name=\"Linux 4.15 - 5.8\" accuracy=\"100\" line=\"0\">") != NULL);
	CHECK(strstr(x, "<osclass type=\"general purpose\" vendor=\"Linux\" osfamily=\"Linux\" "
			"osgen=\"4.X\" accuracy=\"100\"><cpe>cpe:/o:linux:linux_kernel:4</cpe>"
			"</osclass>") != NULL);
	CHECK(strstr(x, "<distance value=\"1\"/>") != NULL);
	free(x);

	g.no_port_pair = true;
	char buf[4096];
	struct json j;
	json_init(&j, buf, sizeof buf);
	os_report_json(&j, db, &g);
	buf[json_len(&j)] = 0;
	CHECK(strstr(buf, "{\"matches\":[{\"name\":\"Microsoft Windows 10 1607\",\"accuracy\":96,"
			  "\"classes\":[{\"type\":\"general purpose\",\"vendor\":\"Microsoft\","
			  "\"osfamily\":\"Windows\",\"osgen\":\"10\",\"cpe\":"
			  "[\"cpe:/o:microsoft:windows_10:1607\"]}]}") == buf);
	CHECK(strstr(buf, "\"distance\":2,\"unreliable\":true}") != NULL);
	nmap_os_db_free(db);
	return check_done("os_report");
}
