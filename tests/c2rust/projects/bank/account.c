#include <string.h>
#include "account.h"

int account_count = 0;
Account accounts[MAX_ACCOUNTS];

int account_open(const char *owner, AccountKind kind, long initial) {
    if (account_count >= MAX_ACCOUNTS || initial < 0)
        return -1;
    Account *a = &accounts[account_count];
    a->id = 100 + account_count;
    strncpy(a->owner, owner, NAME_LEN - 1);
    a->owner[NAME_LEN - 1] = '\0';
    a->balance_cents = initial;
    a->kind = kind;
    a->transactions = 0;
    account_count++;
    return a->id;
}

Account *account_find(int id) {
    for (int i = 0; i < account_count; i++)
        if (accounts[i].id == id)
            return &accounts[i];
    return NULL;
}

int account_deposit(int id, long cents) {
    Account *a = account_find(id);
    if (!a || cents <= 0)
        return 0;
    a->balance_cents += cents;
    a->transactions++;
    return 1;
}

int account_withdraw(int id, long cents) {
    Account *a = account_find(id);
    if (!a || cents <= 0)
        return 0;
    long limit = a->kind == CHECKING ? -5000 : 0;
    if (a->balance_cents - cents < limit)
        return 0;
    a->balance_cents -= cents;
    a->transactions++;
    return 1;
}

int account_transfer(int from, int to, long cents) {
    if (from == to)
        return 0;
    if (!account_find(to))
        return 0;
    if (!account_withdraw(from, cents))
        return 0;
    return account_deposit(to, cents);
}

void account_apply_interest(int basis_points) {
    for (int i = 0; i < account_count; i++) {
        Account *a = &accounts[i];
        if (a->kind == SAVINGS && a->balance_cents > 0)
            a->balance_cents += a->balance_cents * basis_points / 10000;
    }
}
