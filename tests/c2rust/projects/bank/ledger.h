#ifndef LEDGER_H
#define LEDGER_H
#include "account.h"

void ledger_print(void);
long ledger_total(void);
void format_cents(long cents, char *out, int size);

#endif
