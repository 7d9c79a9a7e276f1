#ifndef ACCOUNT_H
#define ACCOUNT_H

#define MAX_ACCOUNTS 32
#define NAME_LEN 24

typedef enum { CHECKING, SAVINGS } AccountKind;

typedef struct {
    int id;
    char owner[NAME_LEN];
    long balance_cents;
    AccountKind kind;
    int transactions;
} Account;

extern int account_count;
extern Account accounts[MAX_ACCOUNTS];

int account_open(const char *owner, AccountKind kind, long initial);
Account *account_find(int id);
int account_deposit(int id, long cents);
int account_withdraw(int id, long cents);
int account_transfer(int from, int to, long cents);
void account_apply_interest(int basis_points);

#endif
