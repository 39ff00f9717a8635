/*
 * unit.h - the one entry point every Check unit-test program provides; the
 * shared main() in unit.c runs it.
 */
#ifndef MTASTS_UNIT_H
#define MTASTS_UNIT_H

#include <check.h>

Suite	*unit_suite(void);

#endif
