#include "yamldoc.h"

#include <string.h>

#include "banned.h"

/*
 * libyaml's words for a mistake, and the same in the words of someone
 * who writes 'title: Our news': first match wins, so the more exact
 * ones come first.
 */
static const struct {
	const char *problem, *plain;
} plain_words[] = {
        {"mapping values",
         "there is a second ': ' on this line: put the whole value in "
         "\"quotes\""},
        {"could not find expected ':'",
         "each line needs a name, ': ' and a value, like 'title: Our "
         "news' (a value that goes on to a second line needs \"quotes\")"},
        {"did not find expected key",
         "this line does not start like the others: each line is a name, "
         "': ' and a value, starting at the left edge (put a value with "
         "quotes inside it in \"quotes\")"},
        {"unknown escape",
         "a '\\' inside \"double quotes\" must be written twice, or use "
         "'single quotes'"},
        {"end of stream",
         "a quote opened here is never closed: add the closing quote"},
        {"tab", "a tab character: use spaces instead"},
        {"alphabetic or numeric",
         "a value cannot start with '&' or '*': put the value in "
         "\"quotes\""},
        {"alias", "a value cannot start with '*': put the value in \"quotes\""},
        {"block sequence entries",
         "a line starting with '- ' cannot go here: put the value in "
         "\"quotes\""},
        {"cannot start any token",
         "a value cannot start with this character: put the value in "
         "\"quotes\""},
        {"control characters",
         "this line contains an invisible control character: retype the "
         "line without it"},
        {"UTF-8",
         "some characters on this line cannot be read: save the file as "
         "UTF-8"},
        {"tag", "a value cannot start with '!': put the value in \"quotes\""},
        {"indentation",
         "the lines are not lined up: start each line at the left edge"},
};

const char *yamldoc_plain(const char *problem, const char *context)
{
	for (size_t i = 0; i < sizeof(plain_words) / sizeof(*plain_words); i++)
		if ((problem && strstr(problem, plain_words[i].problem)) ||
		    (context && strstr(context, plain_words[i].problem)))
			return plain_words[i].plain;
	return "write each detail on its own line as a name, ': ' and a "
	       "value, and put a value with ':', '#' or quotes in it in "
	       "\"quotes\"";
}

/*
 * libyaml reads a second ': ', a line without one before it and an
 * indented line all as one mistake: the text of the line tells which.
 */
static const char *explain(const char *text, size_t len, size_t at,
                           const char *problem, const char *context)
{
	size_t start = at < len ? at : len;
	int colon = 0;

	while (start && text[start - 1] != '\n')
		start--;
	if (at < len && text[at] == '\t')
		return "a tab character: use spaces instead";
	if (!problem || !strstr(problem, "mapping values"))
		return yamldoc_plain(problem, context);
	if (text[start] == ' ')
		return "this line starts with a space: start each detail at "
		       "the "
		       "left edge";
	for (size_t i = start; i + 1 < at && i + 1 < len; i++)
		colon |= text[i] == ':' && text[i + 1] == ' ';
	if (!colon)
		return "the line above has no ': ' after its name: write each "
		       "detail as a name, ': ' and a value, like 'title: Our "
		       "news'";
	return yamldoc_plain(problem, context);
}

/* Parses; on failure fills pr (line_offset added). */
static int parse(struct yamldoc *y, const char *text, size_t len,
                 int line_offset, struct yamldoc_problem *pr,
                 const char **problem, const char **context)
{
	yaml_parser_t parser;
	int ret = -1;

	memset(y, 0, sizeof(*y));
	y->line_offset = line_offset;
	*problem = *context = NULL;
	pr->line = line_offset + 1;
	pr->col = 1;
	pr->plain = yamldoc_plain(NULL, NULL);
	if (!yaml_parser_initialize(&parser))
		return -1;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &y->doc)) {
		yaml_mark_t m = parser.problem_mark;

		/* An unclosed quote: where it opened, not the end of text. */
		if ((!m.line && !m.column) ||
		    (parser.context && strstr(parser.context, "quoted") &&
		     parser.problem && strstr(parser.problem, "end of")))
			m = parser.context_mark;
		pr->line = (int)m.line + 1 + line_offset;
		pr->col = (int)m.column + 1;
		/* The messages are libyaml's static strings. */
		*problem = parser.problem;
		*context = parser.context;
		pr->plain = explain(text, len, m.index, parser.problem,
		                    parser.context);
		goto out;
	}
	y->loaded = 1;
	ret = 0;
out:
	yaml_parser_delete(&parser);
	return ret;
}

int yamldoc_parse(struct yamldoc *y, const char *text, size_t len,
                  int line_offset, struct yamldoc_problem *pr)
{
	const char *problem, *context;

	return parse(y, text, len, line_offset, pr, &problem, &context);
}

int yamldoc_load(struct yamldoc *y, const char *text, size_t len,
                 const char *name, int line_offset, struct err *err)
{
	struct yamldoc_problem pr;
	const char *problem, *context;

	if (parse(y, text, len, line_offset, &pr, &problem, &context) == 0)
		return 0;
	return err_set(err, "%s:%d:%d: %s%s%s", name, pr.line, pr.col,
	               problem ? problem : "cannot be read", context ? " " : "",
	               context ? context : "");
}

void yamldoc_release(struct yamldoc *y)
{
	if (y->loaded)
		yaml_document_delete(&y->doc);
	y->loaded = 0;
}

yaml_node_t *yamldoc_root(struct yamldoc *y)
{
	return y->loaded ? yaml_document_get_root_node(&y->doc) : NULL;
}

int yamldoc_pair(struct yamldoc *y, yaml_node_t *map, size_t i,
                 yaml_node_t **key, yaml_node_t **value)
{
	yaml_node_pair_t *p;

	if (!map || map->type != YAML_MAPPING_NODE)
		return 0;
	p = map->data.mapping.pairs.start + i;
	if (p >= map->data.mapping.pairs.top)
		return 0;
	*key = yaml_document_get_node(&y->doc, p->key);
	*value = yaml_document_get_node(&y->doc, p->value);
	return 1;
}

yaml_node_t *yamldoc_get(struct yamldoc *y, yaml_node_t *map, const char *key)
{
	yaml_node_t *k, *v;

	for (size_t i = 0; yamldoc_pair(y, map, i, &k, &v); i++) {
		const char *s = yamldoc_scalar(k);

		if (s && !strcmp(s, key))
			return v;
	}
	return NULL;
}

const char *yamldoc_scalar(yaml_node_t *n)
{
	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

yaml_node_t *yamldoc_item(struct yamldoc *y, yaml_node_t *seq, size_t i)
{
	yaml_node_item_t *it;

	if (!seq || seq->type != YAML_SEQUENCE_NODE)
		return NULL;
	it = seq->data.sequence.items.start + i;
	if (it >= seq->data.sequence.items.top)
		return NULL;
	return yaml_document_get_node(&y->doc, *it);
}

int yamldoc_line(const struct yamldoc *y, const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1 + y->line_offset;
}

int yamldoc_col(const yaml_node_t *n)
{
	return (int)n->start_mark.column + 1;
}

void yamldoc_add_quoted(struct buf *out, const char *s)
{
	buf_addch(out, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			buf_addf(out, "\\%c", c);
		else if (c == '\n')
			buf_adds(out, "\\n");
		else if (c < 0x20 || c == 0x7f)
			buf_addf(out, "\\x%02x", c);
		else
			buf_addch(out, c);
	}
	buf_addch(out, '"');
}
