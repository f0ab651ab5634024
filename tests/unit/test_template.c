/*
 * The Mustache engine against the official spec (every test of every
 * module in ../shared/spec/mustache must pass), then what the spec does
 * not cover: error messages with positions, escape modes, reuse of one
 * parsed template, the partial cache, limits, maps, threads.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

#include "check.h"
#include "template.h"

#include "banned.h"

#define SPEC_DIR   "../shared/spec/mustache"
#define CORPUS_DIR "tests/fuzz/corpus/template"

/* YAML to template values */

static yaml_node_t *yaml_get(yaml_document_t *doc, yaml_node_t *map,
                             const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (k && k->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)k->data.scalar.value, key))
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

static const char *scalar(yaml_node_t *n)
{
	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

static int all_digits(const char *s, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
	}
	return 1;
}

/* YAML 1.2 core schema: [-+]?[0-9]+ is an int. */
static int yaml_is_int(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	return all_digits(s, strlen(s));
}

/* [-+]? ( \.[0-9]+ | [0-9]+ ( \.[0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
static int yaml_is_float(const char *s)
{
	size_t a, b;

	if (*s == '-' || *s == '+')
		s++;
	a = strspn(s, "0123456789");
	s += a;
	if (*s == '.') {
		b = strspn(s + 1, "0123456789");
		if (!a && !b)
			return 0;
		s += 1 + b;
	} else if (!a) {
		return 0;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		a = strspn(s, "0123456789");
		if (!a)
			return 0;
		s += a;
	}
	return *s == '\0';
}

/*
 * A number's canonical text, as a dynamic language would print it: the
 * integer without sign noise or leading zeros, or the shortest decimal
 * that reads back as the same double (1.210 -> "1.21").
 */
static void number_text(const char *s, char *out, size_t size)
{
	if (yaml_is_int(s)) {
		errno = 0;
		long long v = strtoll(s, NULL, 10);

		if (!errno) {
			snprintf(out, size, "%lld", v);
			return;
		}
	}
	double d = strtod(s, NULL);

	for (int prec = 1; prec <= 17; prec++) {
		snprintf(out, size, "%.*g", prec, d);
		if (strtod(out, NULL) == d)
			return;
	}
}

static struct tmpl_value *yaml_scalar_value(struct tmpl_data *d, yaml_node_t *n)
{
	const char *s = scalar(n);
	size_t len = n->data.scalar.length;
	char num[64];

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return tmpl_strn(d, s, len);
	if (!len || !strcmp(s, "~") || !strcmp(s, "null") ||
	    !strcmp(s, "Null") || !strcmp(s, "NULL"))
		return tmpl_null(d);
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		return tmpl_bool(d, 1);
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return tmpl_bool(d, 0);
	if (yaml_is_int(s) || yaml_is_float(s)) {
		number_text(s, num, sizeof(num));
		return tmpl_number(d, num);
	}
	return tmpl_strn(d, s, len);
}

static struct tmpl_value *yaml_value(struct tmpl_data *d, yaml_document_t *doc,
                                     yaml_node_t *n)
{
	struct tmpl_value *v;

	if (!n)
		return tmpl_null(d);
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return yaml_scalar_value(d, n);
	case YAML_SEQUENCE_NODE:
		v = tmpl_list(d);
		for (yaml_node_item_t *i = n->data.sequence.items.start;
		     i < n->data.sequence.items.top; i++)
			tmpl_list_add(
			        v, yaml_value(d, doc,
			                      yaml_document_get_node(doc, *i)));
		return v;
	case YAML_MAPPING_NODE:
		v = tmpl_map(d);
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++) {
			const char *key =
			        scalar(yaml_document_get_node(doc, p->key));

			if (key)
				tmpl_map_set(
				        v, key,
				        yaml_value(d, doc,
				                   yaml_document_get_node(
				                           doc, p->value)));
		}
		return v;
	default:
		return tmpl_null(d);
	}
}

struct yaml_partials {
	yaml_document_t *doc;
	yaml_node_t *map;
};

static const char *yaml_partial(void *ctx, const char *name, size_t *len)
{
	struct yaml_partials *yp = ctx;
	yaml_node_t *n = yaml_get(yp->doc, yp->map, name);

	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	*len = n->data.scalar.length;
	return (const char *)n->data.scalar.value;
}

/* The spec */

static int spec_test(const char *file, yaml_document_t *doc, yaml_node_t *tc)
{
	const char *name = scalar(yaml_get(doc, tc, "name"));
	yaml_node_t *tn = yaml_get(doc, tc, "template");
	const char *want = scalar(yaml_get(doc, tc, "expected"));
	struct yaml_partials yp = {doc, yaml_get(doc, tc, "partials")};
	struct tmpl_partials partials = {yaml_partial, &yp};
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *data = yaml_value(d, doc, yaml_get(doc, tc, "data"));
	struct buf out = BUF_INIT, again = BUF_INIT;
	struct err err = ERR_INIT;
	struct tmpl *t = NULL;
	int ok = 0;

	if (!name || !scalar(tn) || !want) {
		fprintf(stderr, "%s: a test lacks name, template or expected\n",
		        file);
		goto out;
	}
	t = tmpl_parse(scalar(tn), tn->data.scalar.length, name, &err);
	if (!t ||
	    tmpl_render(t, data, &partials, TMPL_ESCAPE_HTML, &out, &err) < 0) {
		fprintf(stderr, "%s: %s: %s\n", file, name, err_msg(&err));
		goto out;
	}
	if (strcmp(out.data, want)) {
		fprintf(stderr,
		        "%s: %s\n  template: \"%s\"\n  got:  \"%s\"\n"
		        "  want: \"%s\"\n",
		        file, name, scalar(tn), out.data, want);
		goto out;
	}
	/* The same parse renders the same again (partials now cached). */
	if (tmpl_render(t, data, &partials, TMPL_ESCAPE_HTML, &again, &err) <
	            0 ||
	    strcmp(again.data, want)) {
		fprintf(stderr, "%s: %s: second render gave \"%s\"\n", file,
		        name, again.data);
		goto out;
	}
	ok = 1;
out:
	tmpl_free(t);
	tmpl_data_free(d);
	buf_release(&out);
	buf_release(&again);
	err_release(&err);
	return ok;
}

/* Runs one spec file; returns how many of its tests passed, -1 if none. */
static int spec_file(const char *path, const char *file, int *total)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *tests;
	FILE *f = fopen(path, "rb");
	int passed = 0;

	*total = 0;
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		fprintf(stderr, "%s: YAML error: %s\n", path,
		        parser.problem ? parser.problem : "?");
		yaml_parser_delete(&parser);
		fclose(f);
		return -1;
	}
	tests = yaml_get(&doc, yaml_document_get_root_node(&doc), "tests");
	if (tests && tests->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *i = tests->data.sequence.items.start;
		     i < tests->data.sequence.items.top; i++) {
			(*total)++;
			passed += spec_test(file, &doc,
			                    yaml_document_get_node(&doc, *i));
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(f);
	return passed;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_yml(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 4 && !strcmp(e->d_name + n - 4, ".yml");
}

static void test_spec(void)
{
	static const char *const modules[] = {
	        "comments.yml", "delimiters.yml", "interpolation.yml",
	        "inverted.yml", "partials.yml",   "sections.yml",
	};
	int seen[sizeof(modules) / sizeof(modules[0])] = {0};
	struct dirent **list;
	int n = scandir(SPEC_DIR, &list, is_yml, by_name);
	int all = 0, all_passed = 0;

	if (n < 0) {
		fprintf(stderr, "%s: %s (run from the project root)\n",
		        SPEC_DIR, strerror(errno));
		CHECK(!"spec directory readable");
		return;
	}
	for (int i = 0; i < n; i++) {
		char path[512];
		int total, passed;

		snprintf(path, sizeof(path), "%s/%s", SPEC_DIR,
		         list[i]->d_name);
		passed = spec_file(path, list[i]->d_name, &total);
		fprintf(stderr, "spec %-18s %d/%d passed\n", list[i]->d_name,
		        passed < 0 ? 0 : passed, total);
		CHECK(passed >= 0 && total > 0 && passed == total);
		all += total;
		all_passed += passed > 0 ? passed : 0;
		for (size_t k = 0; k < sizeof(modules) / sizeof(modules[0]);
		     k++)
			seen[k] |= !strcmp(list[i]->d_name, modules[k]);
		free(list[i]);
	}
	free(list);
	for (size_t k = 0; k < sizeof(modules) / sizeof(modules[0]); k++) {
		if (!seen[k])
			fprintf(stderr, "spec module %s missing\n", modules[k]);
		CHECK(seen[k]);
	}
	fprintf(stderr, "spec total %d/%d passed\n", all_passed, all);
}

/* Beyond the spec */

struct fixed_partials {
	const char *names[4];
	const char *sources[4];
	int calls;
};

static const char *fixed_partial(void *ctx, const char *name, size_t *len)
{
	struct fixed_partials *fp = ctx;

	fp->calls++;
	for (int i = 0; i < 4 && fp->names[i]; i++) {
		if (!strcmp(fp->names[i], name)) {
			*len = strlen(fp->sources[i]);
			return fp->sources[i];
		}
	}
	return NULL;
}

/* Renders src against data; returns output or the error message. */
static char *render(const char *src, const struct tmpl_value *data,
                    struct fixed_partials *fp, enum tmpl_escape escape)
{
	struct tmpl_partials partials = {fixed_partial, fp};
	struct err err = ERR_INIT;
	struct buf out = BUF_INIT;
	struct tmpl *t = tmpl_parse(src, strlen(src), "t", &err);

	if (!t || tmpl_render(t, data, fp ? &partials : NULL, escape, &out,
	                      &err) < 0) {
		buf_reset(&out);
		buf_adds(&out, err_msg(&err));
	}
	tmpl_free(t);
	err_release(&err);
	return buf_detach(&out);
}

#define CHECK_RENDER(src, data, fp, escape, want)           \
	do {                                                \
		char *got_ = render(src, data, fp, escape); \
		CHECK_STR(got_, want);                      \
		free(got_);                                 \
	} while (0)

static void test_errors(void)
{
	CHECK_RENDER("a\n  {{#x}}\nb", NULL, NULL, TMPL_ESCAPE_HTML,
	             "t:2:3: section 'x' is not closed: add {{/x}}");
	CHECK_RENDER("{{#a}}{{#b}}{{/b}}", NULL, NULL, TMPL_ESCAPE_HTML,
	             "t:1:1: section 'a' is not closed: add {{/a}}");
	CHECK_RENDER("{{#a}}\n  {{/b}}", NULL, NULL, TMPL_ESCAPE_HTML,
	             "t:2:3: closing tag 'b' does not match section 'a' "
	             "opened at 1:1");
	CHECK_RENDER("x {{/a}}", NULL, NULL, TMPL_ESCAPE_HTML,
	             "t:1:3: closing tag 'a' without an open section: "
	             "remove it");
	CHECK_RENDER("x\n\n   {{name", NULL, NULL, TMPL_ESCAPE_HTML,
	             "t:3:4: unclosed tag: no '}}' after this '{{'");
	CHECK_RENDER("{{{x}}", NULL, NULL, TMPL_ESCAPE_HTML,
	             "t:1:1: unclosed tag: no '}}}' after this '{{{'");
	CHECK_RENDER("ok\n{{=<% %>=}}\n<%x", NULL, NULL, TMPL_ESCAPE_HTML,
	             "t:3:1: unclosed tag: no '%>' after this '<%'");
	CHECK_RENDER("{{=<% %>=}}\n<%#x%>", NULL, NULL, TMPL_ESCAPE_HTML,
	             "t:2:1: section 'x' is not closed: add <%/x%>");
	CHECK_RENDER(" {{=<%>=}}", NULL, NULL, TMPL_ESCAPE_HTML,
	             "t:1:2: bad set-delimiter tag '{{=<%>=}}': give two "
	             "delimiters separated by a space, like {{=<% %>=}}");
	CHECK_RENDER("{{= a b c =}}", NULL, NULL, TMPL_ESCAPE_HTML,
	             "t:1:1: bad set-delimiter tag '{{= a b c =}}': give two "
	             "delimiters separated by a space, like {{=<% %>=}}");
	CHECK_RENDER("{{ }}", NULL, NULL, TMPL_ESCAPE_HTML,
	             "t:1:1: empty tag '{{ }}': put a name in it");
	CHECK_RENDER("{{#}}", NULL, NULL, TMPL_ESCAPE_HTML,
	             "t:1:1: empty tag '{{#}}': put a name in it");
	CHECK_RENDER("{{>}}", NULL, NULL, TMPL_ESCAPE_HTML,
	             "t:1:1: empty tag '{{>}}': put a name in it");
	CHECK_RENDER("{{a b}}", NULL, NULL, TMPL_ESCAPE_HTML,
	             "t:1:1: bad name 'a b': use words joined by dots, "
	             "without spaces");
	CHECK_RENDER("\t{{a..b}}", NULL, NULL, TMPL_ESCAPE_HTML,
	             "t:1:2: bad name 'a..b': use words joined by dots, "
	             "without spaces");
	CHECK_RENDER("{{#a.}}{{/a.}}", NULL, NULL, TMPL_ESCAPE_HTML,
	             "t:1:1: bad name 'a.': use words joined by dots, "
	             "without spaces");

	/* Nesting: 100 sections parse, 101 do not. */
	struct buf deep = BUF_INIT;
	struct err err = ERR_INIT;
	struct tmpl *t;

	for (int i = 0; i < TMPL_MAX_DEPTH; i++)
		buf_adds(&deep, "{{#a}}");
	for (int i = 0; i < TMPL_MAX_DEPTH; i++)
		buf_adds(&deep, "{{/a}}");
	t = tmpl_parse(deep.data, deep.len, "deep", &err);
	CHECK(t != NULL);
	tmpl_free(t);
	buf_reset(&deep);
	for (int i = 0; i <= TMPL_MAX_DEPTH; i++)
		buf_adds(&deep, "{{#a}}");
	t = tmpl_parse(deep.data, deep.len, "deep", &err);
	CHECK(t == NULL);
	CHECK_STR(err_msg(&err), "deep:1:601: sections nested deeper than 100");
	buf_release(&deep);
	err_release(&err);
}

static void test_partial_errors(void)
{
	struct fixed_partials bad = {{"p"}, {"ok\n  {{#x}}"}, 0};
	struct fixed_partials self = {{"self"}, {"-{{>self}}"}, 0};
	struct fixed_partials inner = {{"a", "b"}, {"{{>b}}", "{{}}"}, 0};

	CHECK_RENDER("before {{>p}}", NULL, &bad, TMPL_ESCAPE_HTML,
	             "p:2:3: section 'x' is not closed: add {{/x}}");
	CHECK_RENDER("{{>self}}", NULL, &self, TMPL_ESCAPE_HTML,
	             "self:1:2: sections and partials nested deeper than 100 "
	             "(does a partial include itself?)");
	CHECK_RENDER("{{>a}}", NULL, &inner, TMPL_ESCAPE_HTML,
	             "b:1:1: empty tag '{{}}': put a name in it");

	/* A failed render leaves the output as it was. */
	struct tmpl_partials partials = {fixed_partial, &self};
	struct buf out = BUF_INIT;
	struct err err = ERR_INIT;
	struct tmpl *t = tmpl_parse("x{{>self}}", 10, "t", &err);

	buf_adds(&out, "kept");
	CHECK(t && tmpl_render(t, NULL, &partials, TMPL_ESCAPE_HTML, &out,
	                       &err) < 0);
	CHECK_STR(out.data, "kept");
	tmpl_free(t);
	buf_release(&out);
	err_release(&err);
}

static void test_escape(void)
{
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *m = tmpl_map(d);
	const char *src = "{{x}}|{{{x}}}|{{&x}}|{{=<% %>=}}<%x%>|<%{x}%>";

	tmpl_map_str(d, m, "x", "<a href=\"u\">&'");
	CHECK_RENDER(src, m, NULL, TMPL_ESCAPE_HTML,
	             "&lt;a href=&quot;u&quot;&gt;&amp;&#39;|<a href=\"u\">&'|"
	             "<a href=\"u\">&'|&lt;a href=&quot;u&quot;&gt;&amp;&#39;|"
	             "<a href=\"u\">&'");
	CHECK_RENDER(src, m, NULL, TMPL_ESCAPE_NONE,
	             "<a href=\"u\">&'|<a href=\"u\">&'|<a href=\"u\">&'|"
	             "<a href=\"u\">&'|<a href=\"u\">&'");

	/* A NUL inside a value is copied, and escaping goes on after it. */
	struct buf out = BUF_INIT;
	struct err err = ERR_INIT;
	struct tmpl *t = tmpl_parse("[{{z}}]", 7, "t", &err);

	tmpl_map_set(m, "z", tmpl_strn(d, "a\0<'\0", 5));
	CHECK(t && tmpl_render(t, m, NULL, TMPL_ESCAPE_HTML, &out, &err) == 0);
	CHECK(out.len == 14 && !memcmp(out.data, "[a\0&lt;&#39;\0]", 14));
	tmpl_free(t);
	buf_release(&out);
	err_release(&err);
	tmpl_data_free(d);
}

static void test_values(void)
{
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *m = tmpl_map(d);

	tmpl_map_str(d, m, "empty", "");
	tmpl_map_str(d, m, "none", NULL);
	tmpl_map_set(m, "zero", tmpl_number(d, "0"));
	tmpl_map_set(m, "price", tmpl_number(d, "1.50"));
	tmpl_map_set(m, "obj", tmpl_map(d));
	tmpl_map_set(m, "list", tmpl_list(d));
	tmpl_map_bool(d, m, "yes", 1);
	tmpl_map_bool(d, m, "no", 0);
	CHECK_RENDER("{{#empty}}E{{/empty}}{{^empty}}e{{/empty}}"
	             "{{#none}}N{{/none}}{{^none}}n{{/none}}"
	             "{{#zero}}Z{{/zero}}{{^zero}}z{{/zero}}"
	             "{{#obj}}O{{/obj}}{{^obj}}o{{/obj}}"
	             "{{#list}}L{{/list}}{{^list}}l{{/list}}"
	             "[{{yes}} {{no}} {{price}} {{none}} {{list}} {{obj}}]",
	             m, NULL, TMPL_ESCAPE_HTML, "enZOl[true false 1.50   ]");
	/* No data at all: every name misses. */
	CHECK_RENDER("[{{a}}{{.}}{{#a}}x{{/a}}{{^a}}y{{/a}}]", NULL, NULL,
	             TMPL_ESCAPE_HTML, "[y]");
	tmpl_data_free(d);
}

static void test_maps(void)
{
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *m = tmpl_map(d), *small = tmpl_map(d);
	const struct tmpl_value *v;
	const char *key;
	char k[32];
	int in_order = 1, found = 1;

	/* Enough keys that quadratic insertion would show, and an index. */
	for (int i = 0; i < 20000; i++) {
		snprintf(k, sizeof(k), "key%d", i);
		tmpl_map_str(d, m, k, k);
	}
	tmpl_map_str(d, m, "key5", "replaced");
	CHECK(tmpl_count(m) == 20000);
	for (int i = 0; i < 20000; i++) {
		snprintf(k, sizeof(k), "key%d", i);
		v = tmpl_at(m, (size_t)i, &key);
		in_order &= v && key && !strcmp(key, k);
		v = tmpl_map_get(m, k);
		found &= v && tmpl_text(v, NULL) &&
		         !strcmp(tmpl_text(v, NULL), i == 5 ? "replaced" : k);
	}
	CHECK(in_order);
	CHECK(found);
	CHECK(tmpl_map_get(m, "key20000") == NULL);
	CHECK(tmpl_at(m, 20000, &key) == NULL && key == NULL);

	tmpl_map_str(d, small, "b", "1");
	tmpl_map_str(d, small, "a", "2");
	tmpl_map_str(d, small, "b", "3");
	CHECK(tmpl_count(small) == 2);
	CHECK(tmpl_at(small, 0, &key) && !strcmp(key, "b"));
	CHECK_STR(tmpl_text(tmpl_at(small, 0, NULL), NULL), "3");
	CHECK(tmpl_type_of(tmpl_map_get(small, "a")) == TMPL_STRING);
	CHECK(tmpl_map_get(small, "c") == NULL);
	CHECK(tmpl_count(tmpl_map_get(small, "a")) == 0);

	snprintf(k, sizeof(k), "{{key19999}}{{key5}}");
	CHECK_RENDER(k, m, NULL, TMPL_ESCAPE_HTML, "key19999replaced");
	tmpl_data_free(d);
}

static void test_reuse(void)
{
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *alice = tmpl_map(d), *bob = tmpl_map(d);
	struct fixed_partials fp = {{"greet"}, {"Dear {{name}},\n"}, 0};
	struct tmpl_partials partials = {fixed_partial, &fp};
	const char *src = "{{>greet}}{{#items}}- {{>greet}}{{/items}}end";
	struct tmpl_value *items = tmpl_list(d);
	struct buf a1 = BUF_INIT, a2 = BUF_INIT, b1 = BUF_INIT;
	struct err err = ERR_INIT;
	struct tmpl *t = tmpl_parse(src, strlen(src), "t", &err);

	for (int i = 0; i < 5; i++)
		tmpl_list_add(items, tmpl_map(d));
	tmpl_map_str(d, alice, "name", "Alice & Co");
	tmpl_map_set(alice, "items", items);
	tmpl_map_str(d, bob, "name", "Bob");
	CHECK(t != NULL);
	CHECK(tmpl_render(t, alice, &partials, TMPL_ESCAPE_HTML, &a1, &err) ==
	      0);
	/* One lookup per name per render, however often it is used. */
	CHECK(fp.calls == 1);
	CHECK(tmpl_render(t, bob, &partials, TMPL_ESCAPE_HTML, &b1, &err) == 0);
	CHECK(tmpl_render(t, alice, &partials, TMPL_ESCAPE_HTML, &a2, &err) ==
	      0);
	CHECK(fp.calls == 3);
	CHECK_STR(a1.data, "Dear Alice &amp; Co,\n"
	                   "- Dear Alice &amp; Co,\n- Dear Alice &amp; Co,\n"
	                   "- Dear Alice &amp; Co,\n- Dear Alice &amp; Co,\n"
	                   "- Dear Alice &amp; Co,\nend");
	CHECK_STR(a2.data, a1.data);
	CHECK_STR(b1.data, "Dear Bob,\nend");

	/* A partial whose source changes is parsed again, even in place. */
	char changing[] = "Hi {{name}}!\n";

	fp.sources[0] = changing;
	buf_reset(&b1);
	CHECK(tmpl_render(t, bob, &partials, TMPL_ESCAPE_HTML, &b1, &err) == 0);
	CHECK_STR(b1.data, "Hi Bob!\nend");
	changing[0] = 'O';
	buf_reset(&b1);
	CHECK(tmpl_render(t, bob, &partials, TMPL_ESCAPE_HTML, &b1, &err) == 0);
	CHECK_STR(b1.data, "Oi Bob!\nend");
	/* Output is appended. */
	CHECK(tmpl_render(t, bob, &partials, TMPL_ESCAPE_NONE, &b1, &err) == 0);
	CHECK_STR(b1.data, "Oi Bob!\nendOi Bob!\nend");
	CHECK_STR(err_msg(&err), "");

	tmpl_free(t);
	tmpl_data_free(d);
	buf_release(&a1);
	buf_release(&a2);
	buf_release(&b1);
	err_release(&err);
}

static void test_indentation(void)
{
	/* Standalone partials inside standalone partials add up. */
	struct fixed_partials fp = {{"a", "b", "c"},
	                            {"x\n  {{>b}}\n{{#t}}\ny\n{{/t}}",
	                             "1\n\n{{! c }}2 {{>c}}\n", "(\nc)"},
	                            0};
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *m = tmpl_map(d);

	tmpl_map_bool(d, m, "t", 1);
	CHECK_RENDER("  {{>a}}\nz", m, &fp, TMPL_ESCAPE_HTML,
	             "  x\n    1\n    \n    2 (\nc)\n  y\nz");
	/* An inline tag at the start of a line is indented too. */
	fp.sources[1] = "{{t}}\n{{#t}}[{{/t}}]\n{{! c }}.";
	CHECK_RENDER("  {{>b}}\n", m, &fp, TMPL_ESCAPE_HTML,
	             "  true\n  []\n  .");
	/* Only standalone partials are indented. */
	CHECK_RENDER("> {{>b}}\n", m, &fp, TMPL_ESCAPE_HTML, "> true\n[]\n.\n");
	tmpl_data_free(d);
}

static void test_limits(void)
{
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *m = tmpl_map(d), *l = tmpl_list(d);
	struct fixed_partials fp = {{"twice"}, {"{{>twice}}{{>twice}}"}, 0};
	struct tmpl_partials partials = {fixed_partial, &fp};
	const char *src = "{{#l}}{{#l}}{{#l}}{{#l}}0123456789{{/l}}{{/l}}{{/l}}"
	                  "{{/l}}";
	struct buf out = BUF_INIT;
	struct err err = ERR_INIT;
	struct tmpl *t = tmpl_parse(src, strlen(src), "t", &err);

	for (int i = 0; i < 10; i++)
		tmpl_list_add(l, tmpl_null(d));
	tmpl_map_set(m, "l", l);
	CHECK(tmpl_render(t, m, NULL, TMPL_ESCAPE_HTML, &out, &err) == 0);
	CHECK(out.len == 100000);
	buf_reset(&out);
	tmpl_set_limits(t, 50000, 0);
	CHECK(tmpl_render(t, m, NULL, TMPL_ESCAPE_HTML, &out, &err) < 0);
	CHECK_STR(err_msg(&err), "t:1:25: render stopped: output too large "
	                         "(a section repeats without end?)");
	CHECK(out.len == 0);
	err_clear(&err);
	tmpl_set_limits(t, 0, 1000);
	CHECK(tmpl_render(t, m, NULL, TMPL_ESCAPE_HTML, &out, &err) < 0);
	CHECK(strstr(err_msg(&err), "render stopped: too many steps") != NULL);
	err_clear(&err);
	tmpl_free(t);

	/* A partial including itself twice would double to 2^100. */
	t = tmpl_parse("{{>twice}}", 10, "t", &err);
	CHECK(tmpl_render(t, m, &partials, TMPL_ESCAPE_HTML, &out, &err) < 0);
	CHECK(strstr(err_msg(&err), "twice:1:") != NULL);
	tmpl_free(t);
	tmpl_data_free(d);
	buf_release(&out);
	err_release(&err);
}

/* Several threads render one template and share its partial cache. */
struct job {
	const struct tmpl *t;
	const struct tmpl_value *data;
	struct fixed_partials fp;
	int bad;
};

static void *render_many(void *arg)
{
	struct job *j = arg;
	struct tmpl_partials partials = {fixed_partial, &j->fp};
	struct buf out = BUF_INIT;
	struct err err = ERR_INIT;

	for (int i = 0; i < 300; i++) {
		buf_reset(&out);
		if (tmpl_render(j->t, j->data, &partials, TMPL_ESCAPE_HTML,
		                &out, &err) < 0 ||
		    strcmp(out.data, "<b>[x][y]</b>\n"))
			j->bad++;
	}
	buf_release(&out);
	err_release(&err);
	return NULL;
}

static void test_threads(void)
{
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *m = tmpl_map(d), *l = tmpl_list(d);
	struct err err = ERR_INIT;
	struct tmpl *t = tmpl_parse("<b>{{>items}}</b>\n", 18, "t", &err);
	struct job jobs[4];
	pthread_t th[4];

	tmpl_list_add(l, tmpl_str(d, "x"));
	tmpl_list_add(l, tmpl_str(d, "y"));
	tmpl_map_set(m, "l", l);
	for (int i = 0; i < 4; i++) {
		jobs[i] = (struct job){t,
		                       m,
		                       {{"items", "item"},
		                        {"{{#l}}{{>item}}{{/l}}", "[{{.}}]"},
		                        0},
		                       0};
		CHECK(pthread_create(&th[i], NULL, render_many, &jobs[i]) == 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		CHECK(jobs[i].bad == 0);
	}
	tmpl_free(t);
	tmpl_data_free(d);
	err_release(&err);
}

/*
 * The hand-written seeds: not hidden, and not what the fuzzer added (named
 * by the SHA-1 of their content; those only need to replay without a
 * crash, which fuzz/template checks).
 */
static int is_seed(const struct dirent *e)
{
	size_t hex = strspn(e->d_name, "0123456789abcdef");

	return e->d_name[0] != '.' && !(hex == 40 && !e->d_name[40]);
}

/*
 * The fuzz seeds run here too: bad-* must fail with a message naming the
 * file and place, the others must parse and render.
 */
static void test_corpus(void)
{
	struct dirent **list;
	int n = scandir(CORPUS_DIR, &list, is_seed, by_name);

	CHECK(n >= 5);
	for (int i = 0; i < n; i++) {
		char path[512];
		struct buf src = BUF_INIT, out = BUF_INIT;
		struct err err = ERR_INIT;
		struct tmpl *t;
		int bad = !strncmp(list[i]->d_name, "bad-", 4);

		snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR,
		         list[i]->d_name);
		CHECK(buf_read_file(&src, path, 1 << 20) == 0);
		t = tmpl_parse(src.data, src.len, path, &err);
		if (bad) {
			CHECK(t == NULL);
			CHECK(!strncmp(err_msg(&err), path, strlen(path)) &&
			      err_msg(&err)[strlen(path)] == ':');
		} else {
			if (!t)
				fprintf(stderr, "%s\n", err_msg(&err));
			CHECK(t != NULL);
			CHECK(t && tmpl_render(t, NULL, NULL, TMPL_ESCAPE_HTML,
			                       &out, &err) == 0);
		}
		tmpl_free(t);
		buf_release(&src);
		buf_release(&out);
		err_release(&err);
		free(list[i]);
	}
	if (n >= 0)
		free(list);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A 35 KB email-sized template with a few per-recipient fields and a
 * partial: rendering must stay in microseconds (the bound is loose so
 * sanitizer builds on a busy machine pass; the figure is printed).
 */
static void test_speed(void)
{
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *m = tmpl_map(d);
	struct fixed_partials fp = {{"footer"},
	                            {"<p><a href=\"{{unsubscribe}}\">Leave"
	                             "</a></p>\n"},
	                            0};
	struct tmpl_partials partials = {fixed_partial, &fp};
	struct buf src = BUF_INIT, out = BUF_INIT;
	struct err err = ERR_INIT;
	struct tmpl *t;
	const int rounds = 2000;
	double start, us;
	int ok = 1;

	buf_adds(&src, "<p>Dear {{name}},</p>\n");
	while (src.len < 35000)
		buf_adds(&src, "<tr><td style=\"padding:8px;font-family:Arial,"
		               "sans-serif\">Static newsletter article text "
		               "that every recipient gets.</td></tr>\n");
	buf_adds(&src, "{{#name}}<p>Bye {{name}}</p>{{/name}}\n{{>footer}}");
	tmpl_map_str(d, m, "name", "Ada Lovelace");
	tmpl_map_str(d, m, "unsubscribe", "https://example.org/u/abc?x=1&y=2");
	t = tmpl_parse(src.data, src.len, "speed", &err);
	CHECK(t != NULL);
	start = now();
	for (int i = 0; i < rounds && t; i++) {
		buf_reset(&out);
		ok &= tmpl_render(t, m, &partials, TMPL_ESCAPE_HTML, &out,
		                  &err) == 0;
	}
	us = (now() - start) * 1e6 / rounds;
	CHECK(ok);
	CHECK(out.len > 35000);
	fprintf(stderr, "render of a %zu-byte template: %.2f us\n", src.len,
	        us);
	CHECK(us < 500);
	tmpl_free(t);
	tmpl_data_free(d);
	buf_release(&src);
	buf_release(&out);
	err_release(&err);
}

int main(void)
{
	test_spec();
	test_errors();
	test_partial_errors();
	test_escape();
	test_values();
	test_maps();
	test_reuse();
	test_indentation();
	test_limits();
	test_threads();
	test_corpus();
	test_speed();
	return check_done();
}
