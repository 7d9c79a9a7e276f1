#ifndef COMPILER_H
#define COMPILER_H
#include "vm.h"

/* Compiles a tiny language:  x = expr;  print expr;  while (expr) { ... }  if (expr) { ... } */
int compile(const char *src, Program *out, char *error, int error_size);

#endif
