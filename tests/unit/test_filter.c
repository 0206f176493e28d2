/* --output-filter: the grammar (precedence, parentheses, negation, every operator, the
 * literal kinds), evaluation against results, absent fields, and the one-line errors
 * with the position of the problem. Also the field table it shares with CSV and -f. */
#include <stdlib.h>
#include <unistd.h>

#include "output/fields.h"
#include "output/filter.h"
#include "output/services.h"
#include "tests/unit/check.h"

static struct scan_result tcp_result(uint32_t addr, uint16_t port, uint8_t state, uint8_t reason)
{
	struct scan_result r = {0};
	r.addr = addr;
	r.responder = addr;
	r.port = port;
	r.proto = 6;
	r.state = state;
	r.reason = reason;
	r.ttl = 63;
	r.tcp_window = 64240;
	r.tcp_opts = reason == REASON_SYN_ACK ? TCPOPT_HAS_MSS : 0;
	r.tcp_mss = 1460;
	r.rtt_ns = -1;
	return r;
}

static const uint32_t H10 = 0xc612010au; /* 198.18.1.10 */

/* expr must parse; returns whether it matches r. */
static int match(const char *expr, const struct scan_result *r)
{
	struct errbuf e;
	struct output_filter *f = output_filter_parse(expr, &e);
	if (!f) {
		fprintf(stderr, "unexpected parse error for '%s': %s\n", expr, e.msg);
		return -1;
	}
	struct field_env env = {0};
	int m = output_filter_match(f, r, &env);
	output_filter_free(f);
	return m;
}

static void test_matches(void)
{
	struct scan_result open22 = tcp_result(H10, 22, PORT_OPEN, REASON_SYN_ACK);
	struct scan_result open80 = tcp_result(H10, 80, PORT_OPEN, REASON_SYN_ACK);
	struct scan_result closed = tcp_result(H10 + 3, 25, PORT_CLOSED, REASON_RESET);
	struct scan_result udp = {.addr = H10 + 2, .port = 53, .proto = 17,
				  .state = PORT_OPEN_FILTERED, .reason = REASON_NO_RESPONSE, .rtt_ns = -1};

	CHECK_EQ_U64(match("state = open && port != 22", &open22), 0);
	CHECK_EQ_U64(match("state = open && port != 22", &open80), 1);
	CHECK_EQ_U64(match("state = open && port != 22", &closed), 0);
	CHECK_EQ_U64(match("state == open", &open22), 1);
	CHECK_EQ_U64(match("state=open&&port!=22", &open80), 1); /* no spaces needed */
	/* && binds tighter than ||; parentheses override. */
	CHECK_EQ_U64(match("port = 25 || port = 22 && state = closed", &open22), 0);
	CHECK_EQ_U64(match("port = 25 || port = 22 && state = closed", &closed), 1);
	CHECK_EQ_U64(match("(port = 25 || port = 22) && state = open", &open22), 1);
	CHECK_EQ_U64(match("(port = 25 || port = 22) && state = open", &closed), 0);
	CHECK_EQ_U64(match("!(state = open)", &closed), 1);
	CHECK_EQ_U64(match("!(state = open)", &open22), 0);
	CHECK_EQ_U64(match("!!(state = open)", &open22), 1);
	CHECK_EQ_U64(match("! state = closed", &open22), 1);
	/* Numbers and every comparison. */
	CHECK_EQ_U64(match("port < 80", &open22), 1);
	CHECK_EQ_U64(match("port < 22", &open22), 0);
	CHECK_EQ_U64(match("port <= 22", &open22), 1);
	CHECK_EQ_U64(match("port > 22", &open22), 0);
	CHECK_EQ_U64(match("port >= 22", &open22), 1);
	CHECK_EQ_U64(match("port > 22", &open80), 1);
	CHECK_EQ_U64(match("ttl = 63 && window = 64240", &open22), 1);
	/* Strings: bare words, either quote, and open|filtered with or without quotes. */
	CHECK_EQ_U64(match("proto = udp", &udp), 1);
	CHECK_EQ_U64(match("proto = udp", &open22), 0);
	CHECK_EQ_U64(match("proto = \"tcp\"", &open22), 1);
	CHECK_EQ_U64(match("state = 'open|filtered'", &udp), 1);
	CHECK_EQ_U64(match("state = open|filtered", &udp), 1);
	CHECK_EQ_U64(match("state = open|filtered||port = 22", &open22), 1);
	CHECK_EQ_U64(match("reason = no-response", &udp), 1);
	CHECK_EQ_U64(match("reason = syn-ack", &open22), 1);
	/* Addresses compare as numbers. */
	CHECK_EQ_U64(match("addr = 198.18.1.10", &open22), 1);
	CHECK_EQ_U64(match("addr >= 198.18.1.11 && addr < 198.18.1.14", &closed), 1);
	CHECK_EQ_U64(match("addr > 198.18.1.13", &closed), 0);
	/* A field that does not apply: every comparison false but !=. */
	CHECK_EQ_U64(match("mss = 1460", &open22), 1);
	CHECK_EQ_U64(match("mss = 1460", &closed), 0); /* an RST here has no MSS option */
	CHECK_EQ_U64(match("mss != 1460", &closed), 1);
	CHECK_EQ_U64(match("mss >= 0", &closed), 0);
	CHECK_EQ_U64(match("ttl > 0", &udp), 0); /* no reply, no TTL */
	/* Bools. */
	struct scan_result sack = open22;
	sack.tcp_opts |= TCPOPT_HAS_SACK_OK;
	CHECK_EQ_U64(match("sack = true", &sack), 1);
	CHECK_EQ_U64(match("sack = true", &open22), 0);
	/* A NULL filter matches everything. */
	struct field_env env = {0};
	CHECK(output_filter_match(NULL, &closed, &env));
}

/* expr must fail to parse, naming position pos and containing text. */
static void expect_error(const char *expr, int pos, const char *text)
{
	struct errbuf e = {{0}};
	struct output_filter *f = output_filter_parse(expr, &e);
	CHECK(f == NULL);
	output_filter_free(f);
	char want[64];
	snprintf(want, sizeof want, "at position %d:", pos);
	check_count++;
	if (!strstr(e.msg, want) || !strstr(e.msg, text) || strchr(e.msg, '\n')) {
		check_failures++;
		fprintf(stderr, "error for '%s': got \"%s\", want position %d and \"%s\"\n", expr,
			e.msg, pos, text);
	}
}

static void test_errors(void)
{
	expect_error("", 1, "expected a field name");
	expect_error("prot = tcp", 1, "unknown field 'prot'");
	expect_error("port 22", 6, "expected an operator");
	expect_error("port =", 7, "expected a value after '='");
	expect_error("port = abc", 8, "is a number");
	expect_error("port = '22'", 8, "is a number");
	expect_error("state = opne", 9, "'opne' is not a state");
	expect_error("proto = sctp", 9, "is not a proto");
	expect_error("addr = 198.18.1", 8, "IPv4 address");
	expect_error("state = open &&", 16, "expected a field name at the end");
	expect_error("state = open & port = 1", 14, "expected && or ||");
	expect_error("state = open port = 1", 14, "expected && or || or the end");
	expect_error("(state = open", 1, "unbalanced '('");
	expect_error("state = open)", 13, "unbalanced ')'");
	expect_error("state = 'open", 9, "unterminated string");
	expect_error("port => 2", 7, "expected a value");
	char deep[400];
	memset(deep, '(', 200);
	strcpy(deep + 200, "port = 1");
	expect_error(deep, 65, "nested too deeply");
}

static void test_fields(void)
{
	struct errbuf e;
	struct field_selection sel;
	CHECK(field_selection_parse(&sel, "addr,port,state", &e) == 0);
	CHECK_EQ_U64(sel.n, 3);
	CHECK_STR_EQ(sel.v[2]->name, "state");
	CHECK(field_selection_parse(&sel, "addr, port", &e) == 0);
	CHECK_EQ_U64(sel.n, 2);
	CHECK(field_selection_parse(&sel, "addr,bogus", &e) < 0);
	CHECK(strstr(e.msg, "unknown field 'bogus'") != NULL);
	CHECK(field_selection_parse(&sel, "addr,", &e) < 0);
	/* Every field has a description, a unique name and a getter. */
	for (size_t i = 0; i < result_field_count; i++) {
		CHECK(result_fields[i].description && *result_fields[i].description);
		CHECK(result_fields[i].get != NULL);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(result_fields[i].name, result_fields[j].name) != 0);
	}
	/* Service names: from a given file, most frequent name wins (nmap-services). */
	char path[] = "/tmp/orbit-test-services-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	fputs("# comment\nrare\t22/tcp\t0.001\nssh\t22/tcp\t0.18 # SSH\ndomain\t53/udp\t0.2\n"
	      "bad line\nunknown\t99/tcp\t0.5\n"
	      /* /etc/services' shape: aliases where the frequency would be, CRLF, blanks */
	      "  telnet   23/tcp  tn # first name kept\r\nother 23/tcp\nsctp 24/sctp 0.9\n"
	      "big 70000/tcp 0.9\nnoslash 25 0.9\nsmtp#mail 25/tcp 0.9\nhash 26/tcp#x\n", f);
	fclose(f);
	const char *paths[] = {"/nonexistent/services", path, NULL};
	struct service_names *sn = service_names_load(paths);
	CHECK_STR_EQ(service_name(sn, 6, 22), "ssh");
	CHECK_STR_EQ(service_name(sn, 17, 53), "domain");
	CHECK(service_name(sn, 6, 53) == NULL);
	CHECK(service_name(sn, 6, 99) == NULL);
	CHECK(service_name(sn, 1, 0) == NULL);
	CHECK_STR_EQ(service_name(sn, 6, 23), "telnet");
	CHECK(service_name(sn, 6, 24) == NULL && service_name(sn, 6, 25) == NULL);
	CHECK_STR_EQ(service_name(sn, 6, 26), "hash");
	CHECK(service_name(sn, 6, 70000 & 0xffff) == NULL);
	CHECK_STR_EQ(service_names_source(sn), path);
	struct field_env env = {.services = sn};
	struct scan_result r = tcp_result(H10, 22, PORT_OPEN, REASON_SYN_ACK);
	struct field_value v;
	CHECK(result_field_find("service", 7)->get(&r, &env, &v));
	CHECK_STR_EQ(v.str, "ssh");
	struct output_filter *flt = output_filter_parse("service = ssh", &e);
	CHECK(flt && output_filter_match(flt, &r, &env));
	output_filter_free(flt);
	service_names_free(sn);
	unlink(path);
}

int main(void)
{
	test_matches();
	test_errors();
	test_fields();
	return check_done("filter");
}
