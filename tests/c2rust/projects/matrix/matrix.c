/* Dense matrices on fixed 2-D arrays: multiply, transpose, determinant, Gaussian elimination. */
#include <stdio.h>
#include <math.h>

#define N 4

typedef struct {
    int rows, cols;
    double a[N][N];
} Matrix;

Matrix identity(int n) {
    Matrix m;
    m.rows = m.cols = n;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            m.a[i][j] = (i == j && i < n) ? 1.0 : 0.0;
    return m;
}

Matrix multiply(Matrix x, Matrix y) {
    Matrix r = identity(x.rows);
    r.cols = y.cols;
    for (int i = 0; i < x.rows; i++)
        for (int j = 0; j < y.cols; j++) {
            double s = 0.0;
            for (int k = 0; k < x.cols; k++)
                s += x.a[i][k] * y.a[k][j];
            r.a[i][j] = s;
        }
    return r;
}

Matrix transpose(const Matrix *m) {
    Matrix t = identity(m->cols);
    t.rows = m->cols;
    t.cols = m->rows;
    for (int i = 0; i < m->rows; i++)
        for (int j = 0; j < m->cols; j++)
            t.a[j][i] = m->a[i][j];
    return t;
}

double determinant(Matrix m) {
    double det = 1.0;
    int n = m.rows;
    for (int c = 0; c < n; c++) {
        int pivot = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(m.a[r][c]) > fabs(m.a[pivot][c]))
                pivot = r;
        if (fabs(m.a[pivot][c]) < 1e-12)
            return 0.0;
        if (pivot != c) {
            for (int k = 0; k < n; k++) {
                double t = m.a[c][k];
                m.a[c][k] = m.a[pivot][k];
                m.a[pivot][k] = t;
            }
            det = -det;
        }
        det *= m.a[c][c];
        for (int r = c + 1; r < n; r++) {
            double f = m.a[r][c] / m.a[c][c];
            for (int k = c; k < n; k++)
                m.a[r][k] -= f * m.a[c][k];
        }
    }
    return det;
}

int solve(Matrix m, double b[N], double x[N]) {
    int n = m.rows;
    for (int c = 0; c < n; c++) {
        int pivot = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(m.a[r][c]) > fabs(m.a[pivot][c]))
                pivot = r;
        if (fabs(m.a[pivot][c]) < 1e-12)
            return 0;
        for (int k = 0; k < n; k++) {
            double t = m.a[c][k];
            m.a[c][k] = m.a[pivot][k];
            m.a[pivot][k] = t;
        }
        double tb = b[c];
        b[c] = b[pivot];
        b[pivot] = tb;
        for (int r = c + 1; r < n; r++) {
            double f = m.a[r][c] / m.a[c][c];
            for (int k = c; k < n; k++)
                m.a[r][k] -= f * m.a[c][k];
            b[r] -= f * b[c];
        }
    }
    for (int r = n - 1; r >= 0; r--) {
        double s = b[r];
        for (int k = r + 1; k < n; k++)
            s -= m.a[r][k] * x[k];
        x[r] = s / m.a[r][r];
    }
    return 1;
}

void print_matrix(const char *name, const Matrix *m) {
    printf("%s (%dx%d)\n", name, m->rows, m->cols);
    for (int i = 0; i < m->rows; i++) {
        for (int j = 0; j < m->cols; j++)
            printf("%9.3f", m->a[i][j]);
        printf("\n");
    }
}

int main(void) {
    Matrix m = identity(N);
    int n;
    if (scanf("%d", &n) != 1 || n < 1 || n > N)
        return 2;
    m.rows = m.cols = n;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (scanf("%lf", &m.a[i][j]) != 1)
                return 2;
    print_matrix("M", &m);
    Matrix t = transpose(&m);
    print_matrix("T", &t);
    Matrix p = multiply(m, t);
    print_matrix("M*T", &p);
    printf("det(M)=%.6g det(M*T)=%.6g\n", determinant(m), determinant(p));
    double b[N] = {1, 2, 3, 4}, x[N] = {0};
    if (solve(m, b, x)) {
        printf("x =");
        for (int i = 0; i < n; i++)
            printf(" %.5f", x[i]);
        printf("\n");
    } else {
        printf("singular\n");
    }
    return 0;
}
