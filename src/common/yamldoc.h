#ifndef YAMLDOC_H
#define YAMLDOC_H

#include <stddef.h>
#include <yaml.h>

#include "buf.h"
#include "err.h"

/*
 * A parsed YAML document (libyaml's document API) with lookups that keep
 * line numbers, shared by config and front matter.
 */
struct yamldoc {
	yaml_document_t doc;
	int loaded;
	/* Added to every reported line (front matter starts below "---"). */
	int line_offset;
};

/*
 * Parses text as one YAML document. name names the file in errors, which
 * read "name:line:col: message". An empty document gives a NULL root.
 */
int yamldoc_load(struct yamldoc *y, const char *text, size_t len,
                 const char *name, int line_offset, struct err *err);
void yamldoc_release(struct yamldoc *y);

/* Where a document could not be parsed, and why in plain words. */
struct yamldoc_problem {
	int line, col;     /* 1-based, line_offset added */
	const char *plain; /* what is wrong and how to fix it (static) */
};

/*
 * yamldoc_load for text people write by hand (the details at the top of
 * a piece, issue.yaml): on failure returns -1 with pr saying where and,
 * in words that name no parser terms, what to change.
 */
int yamldoc_parse(struct yamldoc *y, const char *text, size_t len,
                  int line_offset, struct yamldoc_problem *pr);

/*
 * Appends s as a double-quoted scalar that reads back exactly: '"' and
 * '\\' escaped, newlines as \\n, other control characters as \\xNN;
 * whatever s holds (': ', '#', a leading '-', '&', '*', '!').
 */
void yamldoc_add_quoted(struct buf *out, const char *s);

/* libyaml's problem text (problem, then context) in plain words. */
const char *yamldoc_plain(const char *problem, const char *context);

/* The root node, or NULL for an empty document (borrowed). */
yaml_node_t *yamldoc_root(struct yamldoc *y);
/* Value node for key in a mapping, or NULL (borrowed). */
yaml_node_t *yamldoc_get(struct yamldoc *y, yaml_node_t *map, const char *key);
/* A scalar's text (borrowed, NUL-terminated), or NULL if not a scalar. */
const char *yamldoc_scalar(yaml_node_t *n);
/* The i-th item of a sequence / pair of a mapping, NULL past the end. */
yaml_node_t *yamldoc_item(struct yamldoc *y, yaml_node_t *seq, size_t i);
/* 1-based line and column of a node in the original file. */
int yamldoc_line(const struct yamldoc *y, const yaml_node_t *n);
int yamldoc_col(const yaml_node_t *n);

/* Iterates a mapping: *key and *value for pair i; 0 past the end. */
int yamldoc_pair(struct yamldoc *y, yaml_node_t *map, size_t i,
                 yaml_node_t **key, yaml_node_t **value);

#endif
