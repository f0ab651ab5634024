/* Contributions: front matter split and YAML load on any bytes. */
#include <stdint.h>
#include <string.h>

#include "frontmatter.h"
#include "yamldoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frontmatter fm;
	struct yamldoc y;
	struct err err = ERR_INIT;
	int bad = 0;
	yaml_node_t *k, *v;

	if (frontmatter_split((const char *)data, size, &fm, &bad) != 0)
		return 0;
	if (fm.body < (const char *)data ||
	    fm.body + fm.body_len != (const char *)data + size)
		__builtin_trap();
	if (yamldoc_load(&y, fm.yaml, fm.yaml_len, "f.md", fm.yaml_line - 1,
	                 &err) == 0) {
		yaml_node_t *root = yamldoc_root(&y);

		for (size_t i = 0; yamldoc_pair(&y, root, i, &k, &v); i++)
			if (yamldoc_line(&y, k) < 1)
				__builtin_trap();
		yamldoc_get(&y, root, "title");
		yamldoc_release(&y);
	}
	err_release(&err);
	return 0;
}
