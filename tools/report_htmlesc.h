/*
 * report_htmlesc.h - text into HTML for the mtasts-report HTML outputs:
 * every character that could open markup or end an attribute is escaped.
 */
#ifndef MTASTS_REPORT_HTMLESC_H
#define MTASTS_REPORT_HTMLESC_H

#include <stdio.h>

void	html_escape(FILE *, const char *);

#endif
