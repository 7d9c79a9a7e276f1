/* Sudoku solver: backtracking with bit masks for rows, columns and boxes. */
#include <stdio.h>
#include <string.h>

static int board[81];
static unsigned short rows[9], cols[9], boxes[9];
static long nodes;

static int box_of(int r, int c) { return (r / 3) * 3 + c / 3; }

static int bit_count(unsigned v) {
    int n = 0;
    for (; v; v >>= 1)
        n += v & 1;
    return n;
}

int place(int idx, int d) {
    int r = idx / 9, c = idx % 9, b = box_of(r, c);
    unsigned short m = (unsigned short)(1u << d);
    if ((rows[r] | cols[c] | boxes[b]) & m)
        return 0;
    rows[r] |= m;
    cols[c] |= m;
    boxes[b] |= m;
    board[idx] = d;
    return 1;
}

void unplace(int idx) {
    int r = idx / 9, c = idx % 9, b = box_of(r, c);
    unsigned short m = (unsigned short)~(1u << board[idx]);
    rows[r] &= m;
    cols[c] &= m;
    boxes[b] &= m;
    board[idx] = 0;
}

int best_cell(void) {
    int best = -1, best_free = 10;
    for (int i = 0; i < 81; i++) {
        if (board[i])
            continue;
        int r = i / 9, c = i % 9;
        unsigned used = rows[r] | cols[c] | boxes[box_of(r, c)];
        int free_digits = 9 - bit_count(used >> 1);
        if (free_digits < best_free) {
            best_free = free_digits;
            best = i;
        }
    }
    return best;
}

int solve(void) {
    int idx = best_cell();
    if (idx < 0)
        return 1;
    nodes++;
    for (int d = 1; d <= 9; d++) {
        if (place(idx, d)) {
            if (solve())
                return 1;
            unplace(idx);
        }
    }
    return 0;
}

int load(const char *s) {
    memset(rows, 0, sizeof rows);
    memset(cols, 0, sizeof cols);
    memset(boxes, 0, sizeof boxes);
    memset(board, 0, sizeof board);
    int i = 0;
    for (; *s && i < 81; s++) {
        if (*s >= '1' && *s <= '9') {
            if (!place(i, *s - '0'))
                return -1;
            i++;
        } else if (*s == '.' || *s == '0') {
            i++;
        }
    }
    return i == 81 ? 0 : -2;
}

void print_board(void) {
    for (int r = 0; r < 9; r++) {
        for (int c = 0; c < 9; c++) {
            printf("%d", board[r * 9 + c]);
            if (c == 2 || c == 5)
                printf("|");
        }
        printf("\n");
        if (r == 2 || r == 5)
            printf("---+---+---\n");
    }
}

int main(void) {
    char line[256];
    int puzzle = 0;
    while (fgets(line, sizeof line, stdin)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        puzzle++;
        int st = load(line);
        if (st == -1) {
            printf("puzzle %d: contradictory givens\n", puzzle);
            continue;
        }
        if (st == -2) {
            printf("puzzle %d: needs 81 cells\n", puzzle);
            continue;
        }
        nodes = 0;
        if (solve()) {
            printf("puzzle %d: solved after %ld nodes\n", puzzle, nodes);
            print_board();
        } else {
            printf("puzzle %d: no solution (%ld nodes)\n", puzzle, nodes);
        }
    }
    return puzzle ? 0 : 1;
}
