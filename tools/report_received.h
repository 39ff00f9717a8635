/*
 * report_received.h - the "received" subcommand of mtasts-report.
 */
#ifndef MTASTS_REPORT_RECEIVED_H
#define MTASTS_REPORT_RECEIVED_H

/* argv[0] is "received"; returns the exit status (0, 1 or 2). */
int	report_received(int argc, char *argv[]);

#endif
