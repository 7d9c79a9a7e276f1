/* 2-D geometry with structs passed and returned by value: polygons, hulls, areas, intersections. */
#include <stdio.h>
#include <math.h>

#define MAXP 64

typedef struct { double x, y; } Vec2;
typedef struct { Vec2 a, b; } Segment;

Vec2 vec(double x, double y) { Vec2 v = {x, y}; return v; }
Vec2 add(Vec2 p, Vec2 q) { return vec(p.x + q.x, p.y + q.y); }
Vec2 sub(Vec2 p, Vec2 q) { return vec(p.x - q.x, p.y - q.y); }
Vec2 scale(Vec2 p, double k) { return vec(p.x * k, p.y * k); }
double dot(Vec2 p, Vec2 q) { return p.x * q.x + p.y * q.y; }
double cross(Vec2 p, Vec2 q) { return p.x * q.y - p.y * q.x; }
double length(Vec2 p) { return sqrt(dot(p, p)); }

double polygon_area(const Vec2 *pts, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
        Vec2 p = pts[i], q = pts[(i + 1) % n];
        s += cross(p, q);
    }
    return fabs(s) / 2.0;
}

double perimeter(const Vec2 *pts, int n) {
    double s = 0;
    for (int i = 0; i < n; i++)
        s += length(sub(pts[(i + 1) % n], pts[i]));
    return s;
}

Vec2 centroid(const Vec2 *pts, int n) {
    Vec2 c = vec(0, 0);
    for (int i = 0; i < n; i++)
        c = add(c, pts[i]);
    return scale(c, 1.0 / n);
}

static int before(Vec2 p, Vec2 q) { return p.x < q.x || (p.x == q.x && p.y < q.y); }

int convex_hull(Vec2 *pts, int n, Vec2 *hull) {
    for (int i = 1; i < n; i++) {
        Vec2 key = pts[i];
        int j = i - 1;
        while (j >= 0 && before(key, pts[j])) {
            pts[j + 1] = pts[j];
            j--;
        }
        pts[j + 1] = key;
    }
    int k = 0;
    for (int i = 0; i < n; i++) {
        while (k >= 2 && cross(sub(hull[k - 1], hull[k - 2]), sub(pts[i], hull[k - 2])) <= 0)
            k--;
        hull[k++] = pts[i];
    }
    for (int i = n - 2, t = k + 1; i >= 0; i--) {
        while (k >= t && cross(sub(hull[k - 1], hull[k - 2]), sub(pts[i], hull[k - 2])) <= 0)
            k--;
        hull[k++] = pts[i];
    }
    return n > 1 ? k - 1 : n;
}

int intersect(Segment s, Segment t, Vec2 *at) {
    Vec2 r = sub(s.b, s.a), q = sub(t.b, t.a);
    double d = cross(r, q);
    if (fabs(d) < 1e-12)
        return 0;
    double u = cross(sub(t.a, s.a), q) / d;
    double v = cross(sub(t.a, s.a), r) / d;
    if (u < 0 || u > 1 || v < 0 || v > 1)
        return 0;
    *at = add(s.a, scale(r, u));
    return 1;
}

int main(void) {
    Vec2 pts[MAXP], hull[2 * MAXP];
    int n = 0;
    double x, y;
    while (n < MAXP && scanf("%lf %lf", &x, &y) == 2)
        pts[n++] = vec(x, y);
    if (n < 3) {
        printf("need at least 3 points, got %d\n", n);
        return 1;
    }
    printf("area=%.4f perimeter=%.4f\n", polygon_area(pts, n), perimeter(pts, n));
    Vec2 c = centroid(pts, n);
    printf("centroid=(%.3f, %.3f)\n", c.x, c.y);
    Segment s1 = {pts[0], pts[2]}, s2 = {pts[1], pts[n - 1]};
    Vec2 at;
    if (intersect(s1, s2, &at))
        printf("diagonals meet at (%g, %g)\n", at.x, at.y);
    else
        printf("diagonals do not meet\n");
    int h = convex_hull(pts, n, hull);
    printf("hull has %d points:", h);
    for (int i = 0; i < h; i++)
        printf(" (%g,%g)", hull[i].x, hull[i].y);
    printf("\nhull area=%.4f\n", polygon_area(hull, h));
    return 0;
}
