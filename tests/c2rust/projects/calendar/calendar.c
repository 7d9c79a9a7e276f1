/* Calendar arithmetic: leap years, day of week (Zeller), day counts, month grids. */
#include <stdio.h>
#include <stdlib.h>

typedef enum { JAN = 1, FEB, MAR, APR, MAY, JUN, JUL, AUG, SEP, OCT, NOV, DEC } Month;

typedef struct {
    int year;
    Month month;
    int day;
} Date;

static const char *month_names[] = {"", "January", "February", "March", "April", "May", "June",
                                    "July", "August", "September", "October", "November", "December"};
static const char *weekday_names[] = {"Sat", "Sun", "Mon", "Tue", "Wed", "Thu", "Fri"};

int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, Month m) {
    switch (m) {
    case FEB:
        return is_leap(y) ? 29 : 28;
    case APR:
    case JUN:
    case SEP:
    case NOV:
        return 30;
    default:
        return 31;
    }
}

int valid(Date d) { return d.month >= JAN && d.month <= DEC && d.day >= 1 && d.day <= days_in_month(d.year, d.month); }

int zeller(Date d) {
    int q = d.day, m = d.month, y = d.year;
    if (m < 3) {
        m += 12;
        y -= 1;
    }
    int k = y % 100, j = y / 100;
    return (q + 13 * (m + 1) / 5 + k + k / 4 + j / 4 + 5 * j) % 7;
}

long days_from_civil(Date d) {
    int y = d.year - (d.month <= 2);
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned mp = (unsigned)((d.month + 9) % 12);
    unsigned doy = (153 * mp + 2) / 5 + (unsigned)d.day - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

Date add_days(Date d, int n) {
    while (n > 0) {
        int left = days_in_month(d.year, d.month) - d.day;
        if (n <= left) {
            d.day += n;
            break;
        }
        n -= left + 1;
        d.day = 1;
        if (d.month == DEC) {
            d.month = JAN;
            d.year++;
        } else {
            d.month++;
        }
    }
    return d;
}

void print_month(int y, Month m) {
    Date first = {y, m, 1};
    int start = (zeller(first) + 6) % 7;
    printf("   %s %d\nSu Mo Tu We Th Fr Sa\n", month_names[m], y);
    for (int i = 0; i < start; i++)
        printf("   ");
    for (int day = 1; day <= days_in_month(y, m); day++) {
        printf("%2d", day);
        if ((start + day) % 7 == 0 || day == days_in_month(y, m))
            printf("\n");
        else
            printf(" ");
    }
}

int main(void) {
    Date a, b;
    int m1, m2;
    if (scanf("%d-%d-%d %d-%d-%d", &a.year, &m1, &a.day, &b.year, &m2, &b.day) != 6) {
        printf("usage: YYYY-MM-DD YYYY-MM-DD\n");
        return 2;
    }
    a.month = (Month)m1;
    b.month = (Month)m2;
    if (!valid(a) || !valid(b)) {
        printf("invalid date\n");
        return 2;
    }
    printf("%d-%02d-%02d is a %s; %d is %sa leap year\n", a.year, a.month, a.day, weekday_names[zeller(a)], a.year, is_leap(a.year) ? "" : "not ");
    printf("%ld days between\n", days_from_civil(b) - days_from_civil(a));
    Date c = add_days(a, 100);
    printf("100 days later: %d-%02d-%02d (%s)\n", c.year, c.month, c.day, weekday_names[zeller(c)]);
    print_month(b.year, b.month);
    return 0;
}
