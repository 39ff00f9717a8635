/*
 * callbacks.h - the libmilter glue of mtasts-milter.
 */
#ifndef MTASTS_CALLBACKS_H
#define MTASTS_CALLBACKS_H

#include "discovery.h"
#include "jlog.h"
#include "store.h"

#define MILTER_NAME	"mtasts-milter"

/* Register the callbacks with libmilter (once, before smfi_opensocket). */
int	callbacks_register(void);
/*
 * Give the callbacks the store they read, the log they write and the
 * discovery they tell about recipient domains (before smfi_main).
 */
void	callbacks_attach(struct store *, struct jlog *, struct discovery *);

#endif
