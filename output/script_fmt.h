/* How the outputs write script results (core/base/script_result.h), in nmap's layouts:
 *  - text report: under the port line, "| id: first line", "| next line", the last line
 *    "|_..." (one line: "|_id: text"), as nmap -oN prints them;
 *  - XML: <script id="..." output="..."> with <elem key="...">/<table key="..."> children,
 *    each child followed by a newline, or <script .../> without structured output, as
 *    nmap -oX writes them (valid against nmap.dtd);
 *  - NDJSON: "scripts": {"id": {"output": "...", "elements": ...}} appended to the
 *    record's object; a table whose children all have keys is an object, else an array. */
#ifndef ORBIT_OUTPUT_SCRIPT_FMT_H
#define ORBIT_OUTPUT_SCRIPT_FMT_H

#include <stddef.h>
#include <stdio.h>

void script_text_write(FILE *f, const char *blob);
void script_xml_write(FILE *f, const char *blob);
/* buf holds one JSON object of len bytes, ending "}\n": rewrites its end to carry the
 * scripts member. Returns the new length; when that does not fit in cap, the record as
 * it was (len), so the port is still reported; 0 when buf is not such an object. */
size_t script_json_splice(char *buf, size_t len, size_t cap, const char *blob);

#endif
