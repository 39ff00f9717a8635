/*
 * callbacks.h - the libmilter glue of mtasts-milter.
 */
#ifndef MTASTS_CALLBACKS_H
#define MTASTS_CALLBACKS_H

#include "discovery.h"
#include "jlog.h"
#include "pendrec.h"
#include "store.h"

#define MILTER_NAME	"mtasts-milter"

/* Register the callbacks with libmilter (once, before smfi_opensocket). */
int	callbacks_register(void);
/*
 * Give the callbacks the store they read, the log they write, the
 * discovery they tell about recipient domains and where records with
 * pending domains wait (before smfi_main).
 */
void	callbacks_attach(struct store *, struct jlog *, struct discovery *,
	    struct pendrec *);

#endif
