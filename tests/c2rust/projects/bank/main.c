/* A tiny bank: commands on stdin (open/dep/wd/xfer/int/print), shared header types and globals. */
#include <stdio.h>
#include <string.h>
#include "account.h"
#include "ledger.h"

int main(void) {
    char cmd[16], name[64];
    long amount;
    int a, b, failures = 0;
    while (scanf("%15s", cmd) == 1) {
        if (strcmp(cmd, "open") == 0) {
            char kind[16];
            if (scanf("%63s %15s %ld", name, kind, &amount) != 3)
                break;
            int id = account_open(name, strcmp(kind, "savings") == 0 ? SAVINGS : CHECKING, amount);
            printf("open %s -> %d\n", name, id);
            if (id < 0)
                failures++;
        } else if (strcmp(cmd, "dep") == 0) {
            if (scanf("%d %ld", &a, &amount) != 2)
                break;
            if (!account_deposit(a, amount)) {
                printf("deposit to %d failed\n", a);
                failures++;
            }
        } else if (strcmp(cmd, "wd") == 0) {
            if (scanf("%d %ld", &a, &amount) != 2)
                break;
            if (!account_withdraw(a, amount)) {
                printf("withdrawal from %d failed\n", a);
                failures++;
            }
        } else if (strcmp(cmd, "xfer") == 0) {
            if (scanf("%d %d %ld", &a, &b, &amount) != 3)
                break;
            printf("xfer %d->%d %s\n", a, b, account_transfer(a, b, amount) ? "ok" : "refused");
        } else if (strcmp(cmd, "int") == 0) {
            int bp;
            if (scanf("%d", &bp) != 1)
                break;
            account_apply_interest(bp);
        } else if (strcmp(cmd, "print") == 0) {
            ledger_print();
        } else {
            printf("unknown command '%s'\n", cmd);
            failures++;
        }
    }
    ledger_print();
    return failures > 0 ? 2 : 0;
}
