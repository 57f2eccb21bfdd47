/* The validation set's pointer chase (tools/trace-corpus.py, never tuned
 * on): 200,000 nodes of 64 bytes, each from its own calloc, inserted into
 * an unbalanced binary search tree by pseudo-random key, then the whole
 * tree walked three times. Plain C, no libraries beyond malloc. */
#include <stdio.h>
#include <stdlib.h>

#define NODES 200000
#define WALKS 3

struct node {
    int key;
    struct node *left, *right;
    char pad[40];
};

static struct node *insert(struct node *t, struct node *n)
{
    struct node **at = &t;
    while (*at)
        at = n->key < (*at)->key ? &(*at)->left : &(*at)->right;
    *at = n;
    return t;
}

static long walk(const struct node *t)
{
    return t ? t->key % 13 + walk(t->left) + walk(t->right) : 0;
}

int main(void)
{
    struct node *root = NULL;
    unsigned x = 1;
    for (int i = 0; i < NODES; i++) {
        struct node *n = calloc(1, sizeof *n);
        if (!n)
            return 1;
        x = x * 1103515245u + 12345u;
        n->key = (int)(x >> 8);
        root = insert(root, n);
    }
    long sum = 0;
    for (int w = 0; w < WALKS; w++)
        sum += walk(root);
    printf("%ld\n", sum);
    return 0;
}
