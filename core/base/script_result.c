#include "core/base/script_result.h"

#include <string.h>

const char *script_blob_next(const char *p, struct script_token *t)
{
	if (!p || *p == SCRIPT_TAG_END)
		return NULL;
	t->tag = (enum script_tag)(unsigned char)*p++;
	t->a = t->b = "";
	switch (t->tag) {
	case SCRIPT_TAG_SCRIPT:
	case SCRIPT_TAG_ELEM:
		t->a = p;
		p += strlen(p) + 1;
		t->b = p;
		return p + strlen(p) + 1;
	case SCRIPT_TAG_TABLE:
		t->a = p;
		return p + strlen(p) + 1;
	case SCRIPT_TAG_UNTABLE:
	case SCRIPT_TAG_DONE:
		return p;
	default:
		return NULL;
	}
}
