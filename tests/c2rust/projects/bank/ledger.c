#include <stdio.h>
#include "ledger.h"

void format_cents(long cents, char *out, int size) {
    long whole = cents / 100;
    long frac = cents % 100;
    if (frac < 0)
        frac = -frac;
    if (cents < 0 && whole == 0)
        snprintf(out, size, "-0.%02ld", frac);
    else
        snprintf(out, size, "%ld.%02ld", whole, frac);
}

long ledger_total(void) {
    long total = 0;
    for (int i = 0; i < account_count; i++)
        total += accounts[i].balance_cents;
    return total;
}

void ledger_print(void) {
    char money[32];
    for (int i = 0; i < account_count; i++) {
        const Account *a = &accounts[i];
        format_cents(a->balance_cents, money, sizeof money);
        printf("%d %-10s %-8s %12s tx=%d\n", a->id, a->owner, a->kind == SAVINGS ? "savings" : "checking", money, a->transactions);
    }
    format_cents(ledger_total(), money, sizeof money);
    printf("total %s\n", money);
}
