#include "yamldoc.h"

#include <string.h>

#include "banned.h"

int yamldoc_load(struct yamldoc *y, const char *text, size_t len,
                 const char *name, int line_offset, struct err *err)
{
	yaml_parser_t parser;
	int ret = -1;

	memset(y, 0, sizeof(*y));
	y->line_offset = line_offset;
	if (!yaml_parser_initialize(&parser))
		return err_set(err, "%s: cannot start the YAML parser", name);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &y->doc)) {
		yaml_mark_t m = parser.problem_mark;

		if (!m.line && !m.column)
			m = parser.context_mark;
		err_set(err, "%s:%d:%d: %s%s%s", name,
		        (int)m.line + 1 + line_offset, (int)m.column + 1,
		        parser.problem ? parser.problem : "invalid YAML",
		        parser.context ? " " : "",
		        parser.context ? parser.context : "");
		goto out;
	}
	y->loaded = 1;
	ret = 0;
out:
	yaml_parser_delete(&parser);
	return ret;
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
