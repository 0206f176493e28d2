#include "output/filter.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum node_kind { NODE_CMP, NODE_AND, NODE_OR, NODE_NOT };
enum cmp_op { OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE };

struct node {
	enum node_kind kind;
	int left, right; /* child node indices (NOT uses left) */
	const struct result_field *field;
	enum cmp_op op;
	uint64_t num;
	char *str;
};

struct output_filter {
	struct node *nodes;
	size_t n, cap;
	int root;
};

/* The parser: recursive descent over the text, with a depth bound so that a hostile
 * "((((((..." fails cleanly instead of exhausting the stack. */
enum { MAX_DEPTH = 64 };

struct parser {
	const char *text, *p;
	struct output_filter *f;
	struct errbuf *e;
	int depth;
};

static int fail(struct parser *ps, const char *at, const char *what)
{
	err_set(ps->e, "invalid --output-filter at position %d: %s", (int)(at - ps->text) + 1, what);
	/* The message quotes the user's text: keep it one printable line. */
	for (char *c = ps->e ? ps->e->msg : NULL; c && *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return -1;
}

static void skip_space(struct parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

static int new_node(struct parser *ps, struct node n)
{
	struct output_filter *f = ps->f;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct node *v = realloc(f->nodes, cap * sizeof *v);
		if (!v)
			return err_set(ps->e, "out of memory");
		f->nodes = v;
		f->cap = cap;
	}
	f->nodes[f->n] = n;
	return (int)f->n++;
}

static bool word_char(const char *p)
{
	unsigned char c = (unsigned char)*p;
	if (isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-' || c == '/')
		return true;
	return c == '|' && p[1] != '|' && isalnum((unsigned char)p[1]);
}

static const char *op_text(enum cmp_op op)
{
	static const char *const t[] = {"=", "!=", "<", ">", "<=", ">="};
	return t[op];
}

/* Names a string field may take, so a typo in the filter is caught when it is parsed. */
static bool known_value(const struct result_field *f, const char *v)
{
	if (strcmp(f->name, "state") == 0) {
		for (int s = PORT_OPEN; s <= HOST_DOWN; s++)
			if (strcmp(v, port_state_name((enum port_state)s)) == 0)
				return true;
		return false;
	}
	if (strcmp(f->name, "reason") == 0) {
		for (int r = REASON_NONE; r <= REASON_NO_RESPONSE; r++)
			if (strcmp(v, result_reason_name((enum result_reason)r)) == 0)
				return true;
		return false;
	}
	if (strcmp(f->name, "proto") == 0)
		return strcmp(v, "tcp") == 0 || strcmp(v, "udp") == 0 || strcmp(v, "icmp") == 0;
	return true;
}

static int parse_value(struct parser *ps, struct node *n)
{
	skip_space(ps);
	const char *start = ps->p;
	char buf[256];
	size_t len = 0;
	bool quoted = false;
	if (*ps->p == '"' || *ps->p == '\'') {
		char q = *ps->p++;
		const char *end = strchr(ps->p, q);
		if (!end)
			return fail(ps, start, "unterminated string");
		len = (size_t)(end - ps->p);
		if (len >= sizeof buf)
			return fail(ps, start, "string too long");
		memcpy(buf, ps->p, len);
		ps->p = end + 1;
		quoted = true;
	} else {
		while (word_char(ps->p) && len < sizeof buf - 1)
			buf[len++] = *ps->p++;
		if (len == 0) {
			char msg[64];
			snprintf(msg, sizeof msg, "expected a value after '%s'", op_text(n->op));
			return fail(ps, start, msg);
		}
	}
	buf[len] = '\0';
	const struct result_field *f = n->field;
	char msg[320];
	switch (f->type) {
	case FIELD_NUMBER:
	case FIELD_BOOL: {
		if (f->type == FIELD_BOOL && (strcmp(buf, "true") == 0 || strcmp(buf, "false") == 0)) {
			n->num = buf[0] == 't';
			break;
		}
		char *end;
		errno = 0;
		n->num = strtoull(buf, &end, 10);
		if (quoted || !isdigit((unsigned char)buf[0]) || *end || errno) {
			snprintf(msg, sizeof msg, "field '%s' is a %s: '%s' is not one", f->name,
				 f->type == FIELD_BOOL ? "bool (true, false)" : "number", buf);
			return fail(ps, start, msg);
		}
		break;
	}
	case FIELD_ADDRESS: {
		struct in_addr a;
		if (inet_pton(AF_INET, buf, &a) != 1) {
			snprintf(msg, sizeof msg, "field '%s' is an IPv4 address: '%s' is not one",
				 f->name, buf);
			return fail(ps, start, msg);
		}
		n->num = ntohl(a.s_addr);
		break;
	}
	case FIELD_STRING:
		if (!known_value(f, buf)) {
			snprintf(msg, sizeof msg, "'%s' is not a %s orbit reports", buf, f->name);
			return fail(ps, start, msg);
		}
		n->str = strdup(buf);
		if (!n->str)
			return err_set(ps->e, "out of memory");
		break;
	}
	return 0;
}

static int parse_or(struct parser *ps);

static int parse_comparison(struct parser *ps)
{
	skip_space(ps);
	const char *start = ps->p;
	size_t len = 0;
	while (isalnum((unsigned char)ps->p[len]) || ps->p[len] == '_')
		len++;
	if (len == 0)
		return fail(ps, start, *start ? "expected a field name, '(' or '!'" :
					       "expected a field name at the end");
	const struct result_field *f = result_field_find(start, len);
	if (!f) {
		char msg[128];
		snprintf(msg, sizeof msg, "unknown field '%.*s' (see --list-fields)", (int)len, start);
		return fail(ps, start, msg);
	}
	ps->p += len;
	skip_space(ps);
	struct node n = {.kind = NODE_CMP, .field = f, .left = -1, .right = -1};
	const char *op = ps->p;
	if (op[0] == '=' && op[1] == '=')
		n.op = OP_EQ, ps->p += 2;
	else if (op[0] == '=')
		n.op = OP_EQ, ps->p += 1;
	else if (op[0] == '!' && op[1] == '=')
		n.op = OP_NE, ps->p += 2;
	else if (op[0] == '<' && op[1] == '=')
		n.op = OP_LE, ps->p += 2;
	else if (op[0] == '>' && op[1] == '=')
		n.op = OP_GE, ps->p += 2;
	else if (op[0] == '<')
		n.op = OP_LT, ps->p += 1;
	else if (op[0] == '>')
		n.op = OP_GT, ps->p += 1;
	else
		return fail(ps, op, "expected an operator (= == != < > <= >=)");
	if (parse_value(ps, &n) < 0)
		return -1;
	int id = new_node(ps, n);
	if (id < 0)
		free(n.str);
	return id;
}

static int parse_unary(struct parser *ps)
{
	skip_space(ps);
	if (++ps->depth > MAX_DEPTH)
		return fail(ps, ps->p, "nested too deeply");
	int id;
	if (*ps->p == '!' && ps->p[1] != '=') {
		ps->p++;
		int child = parse_unary(ps);
		if (child < 0)
			return -1;
		id = new_node(ps, (struct node){.kind = NODE_NOT, .left = child, .right = -1});
	} else if (*ps->p == '(') {
		const char *open = ps->p++;
		id = parse_or(ps);
		if (id < 0)
			return -1;
		skip_space(ps);
		if (*ps->p != ')')
			return fail(ps, *ps->p ? ps->p : open, *ps->p ? "expected ')'" :
								      "unbalanced '(': no ')'");
		ps->p++;
	} else {
		id = parse_comparison(ps);
	}
	ps->depth--;
	return id;
}

static int parse_binary(struct parser *ps, enum node_kind kind)
{
	const char *tok = kind == NODE_OR ? "||" : "&&";
	int left = kind == NODE_OR ? parse_binary(ps, NODE_AND) : parse_unary(ps);
	while (left >= 0) {
		skip_space(ps);
		if (strncmp(ps->p, tok, 2) != 0)
			break;
		ps->p += 2;
		int right = kind == NODE_OR ? parse_binary(ps, NODE_AND) : parse_unary(ps);
		if (right < 0)
			return -1;
		left = new_node(ps, (struct node){.kind = kind, .left = left, .right = right});
	}
	return left;
}

static int parse_or(struct parser *ps)
{
	return parse_binary(ps, NODE_OR);
}

void output_filter_free(struct output_filter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->nodes[i].str);
	free(f->nodes);
	free(f);
}

struct output_filter *output_filter_parse(const char *expr, struct errbuf *e)
{
	struct output_filter *f = calloc(1, sizeof *f);
	if (!f) {
		err_set(e, "out of memory");
		return NULL;
	}
	struct parser ps = {.text = expr, .p = expr, .f = f, .e = e};
	f->root = parse_or(&ps);
	if (f->root >= 0) {
		skip_space(&ps);
		if (*ps.p == ')')
			f->root = fail(&ps, ps.p, "unbalanced ')'");
		else if (*ps.p == '&' || *ps.p == '|')
			f->root = fail(&ps, ps.p, "expected && or || (doubled)");
		else if (*ps.p)
			f->root = fail(&ps, ps.p, "expected && or || or the end");
	}
	if (f->root < 0) {
		output_filter_free(f);
		return NULL;
	}
	return f;
}

static bool compare(enum cmp_op op, int c)
{
	switch (op) {
	case OP_EQ: return c == 0;
	case OP_NE: return c != 0;
	case OP_LT: return c < 0;
	case OP_GT: return c > 0;
	case OP_LE: return c <= 0;
	case OP_GE: return c >= 0;
	}
	return false;
}

static bool eval(const struct output_filter *f, int id, const struct scan_result *r,
		 const struct field_env *env)
{
	const struct node *n = &f->nodes[id];
	switch (n->kind) {
	case NODE_AND: return eval(f, n->left, r, env) && eval(f, n->right, r, env);
	case NODE_OR: return eval(f, n->left, r, env) || eval(f, n->right, r, env);
	case NODE_NOT: return !eval(f, n->left, r, env);
	case NODE_CMP: break;
	}
	struct field_value v;
	if (!n->field->get(r, env, &v))
		return n->op == OP_NE;
	int c;
	if (n->field->type == FIELD_STRING)
		c = strcmp(v.str, n->str);
	else
		c = v.num < n->num ? -1 : v.num > n->num;
	return compare(n->op, c);
}

bool output_filter_match(const struct output_filter *f, const struct scan_result *r,
			 const struct field_env *env)
{
	return !f || eval(f, f->root, r, env);
}
