/* Script results in the outputs (output/script_fmt.c): nmap's text lines ("|_" for a one
 * line result, "| " then "|_" for more, a trailing line break not a line, control bytes
 * as \xHH), XML (<script/> without structure; elem and table children each followed by a
 * newline), and the NDJSON member (keyed tables as objects, lists as arrays). */
#include <stdio.h>
#include <stdlib.h>

#include "output/script_fmt.h"
#include "tests/unit/check.h"

/* 'S' hostkey: output "\n  256 aa (ECDSA)", one keyed table in a list; 'S' title: one
 * line, no structure; 'S' finger: "x\r\n". */
static const char blob[] =
	"Sssh-hostkey\0\n  256 aa (ECDSA)\0"
	"T\0" "Etype\0ecdsa\0" "Ebits\0" "256\0" "U"
	"Z"
	"Shttp-title\0Welcome\0Z"
	"Sfinger\0x\r\n\0Z"
	"\0\0"; /* with the literal's own NUL: the three closing NULs */

static char *render(void (*fn)(FILE *, const char *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fn(f, blob);
	fclose(f);
	return buf;
}

int main(void)
{
	char *text = render(script_text_write);
	CHECK_STR_EQ(text, "| ssh-hostkey: \n|_  256 aa (ECDSA)\n|_http-title: Welcome\n"
			   "|_finger: x\\x0D\n");
	free(text);
	char *xml = render(script_xml_write);
	CHECK_STR_EQ(xml, "<script id=\"ssh-hostkey\" output=\"&#xa;  256 aa (ECDSA)\"><table>\n"
			  "<elem key=\"type\">ecdsa</elem>\n<elem key=\"bits\">256</elem>\n"
			  "</table>\n</script>"
			  "<script id=\"http-title\" output=\"Welcome\"/>"
			  "<script id=\"finger\" output=\"x&#xd;&#xa;\"/>");
	free(xml);
	char buf[1024] = "{\"port\":22}\n";
	size_t n = script_json_splice(buf, strlen(buf), sizeof buf, blob);
	CHECK(n > 0);
	CHECK_STR_EQ(buf, "{\"port\":22,\"scripts\":{\"ssh-hostkey\":{\"output\":\"\\n  256 aa (ECDSA)\","
			  "\"elements\":[{\"type\":\"ecdsa\",\"bits\":\"256\"}]},"
			  "\"http-title\":{\"output\":\"Welcome\"},"
			  "\"finger\":{\"output\":\"x\\r\\n\"}}}\n");
	char small[24] = "{\"port\":22}\n";
	CHECK(script_json_splice(small, strlen(small), sizeof small, blob) == strlen("{\"port\":22}\n"));
	CHECK_STR_EQ(small, "{\"port\":22}\n");
	return check_done("script_fmt");
}
