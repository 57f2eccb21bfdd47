/* The validation set's graph search (tools/trace-corpus.py, never tuned
 * on): breadth-first search from several roots over a random graph of
 * 60,000 vertices and 480,000 edges in compressed adjacency arrays
 * (2.4 MiB). Each search reads the vertex array in queue order and the
 * edge array in runs: an irregular traversal of the whole graph, repeated.
 * Plain C, no libraries. */
#include <stdio.h>

#define V 60000
#define E 480000
#define SEARCHES 6

static int first[V + 1], edge[E], dist[V], queue[V];
static unsigned src[E];

int main(void)
{
    unsigned s = 99;
    int degree[V] = { 0 };
    for (int i = 0; i < E; i++) {
        s = s * 1103515245u + 12345u;
        src[i] = (s >> 8) % V;
        degree[src[i]]++;
    }
    for (int v = 0; v < V; v++)
        first[v + 1] = first[v] + degree[v];
    int fill[V];
    for (int v = 0; v < V; v++)
        fill[v] = first[v];
    for (int i = 0; i < E; i++) {
        s = s * 1103515245u + 12345u;
        edge[fill[src[i]]++] = (int)((s >> 8) % V);
    }
    long reached = 0;
    for (int r = 0; r < SEARCHES; r++) {
        for (int v = 0; v < V; v++)
            dist[v] = -1;
        int head = 0, tail = 0, root = (r * 7919) % V;
        dist[root] = 0;
        queue[tail++] = root;
        while (head < tail) {
            int v = queue[head++];
            for (int i = first[v]; i < first[v + 1]; i++)
                if (dist[edge[i]] < 0) {
                    dist[edge[i]] = dist[v] + 1;
                    queue[tail++] = edge[i];
                }
        }
        reached += tail;
    }
    printf("%ld\n", reached);
    return 0;
}
