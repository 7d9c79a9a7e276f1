/* Conway's Game of Life on a torus held in global 2-D arrays; static locals count generations. */
#include <stdio.h>
#include <string.h>

#define W 16
#define H 10

static char grid[H][W];
static char next_grid[H][W];

int neighbours(int r, int c) {
    int n = 0;
    for (int dr = -1; dr <= 1; dr++)
        for (int dc = -1; dc <= 1; dc++) {
            if (dr == 0 && dc == 0)
                continue;
            int rr = (r + dr + H) % H, cc = (c + dc + W) % W;
            n += grid[rr][cc];
        }
    return n;
}

int step(void) {
    static int generation = 0;
    int alive = 0;
    for (int r = 0; r < H; r++)
        for (int c = 0; c < W; c++) {
            int n = neighbours(r, c);
            next_grid[r][c] = (char)(grid[r][c] ? (n == 2 || n == 3) : n == 3);
            alive += next_grid[r][c];
        }
    memcpy(grid, next_grid, sizeof grid);
    return ++generation * 1000 + alive;
}

void show(void) {
    for (int r = 0; r < H; r++) {
        for (int c = 0; c < W; c++)
            putchar(grid[r][c] ? '#' : '.');
        putchar('\n');
    }
}

int main(void) {
    int r = 0, c = 0, ch, gens = 0;
    if (scanf("%d", &gens) != 1)
        gens = 4;
    while ((ch = getchar()) != EOF && r < H) {
        if (ch == '\n') {
            if (c > 0)
                r++;
            c = 0;
        } else if (c < W) {
            grid[r][c++] = (char)(ch == '#' || ch == 'o');
        }
    }
    for (int g = 0; g < gens; g++) {
        int code = step();
        printf("gen %d alive %d\n", code / 1000, code % 1000);
    }
    show();
    return 0;
}
