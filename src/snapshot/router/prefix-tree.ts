/**
 * Radix tree over plain path prefixes (character-wise: Kong prefixes are string prefixes, so
 * "/foo" matches "/foobar"). A lookup walks the request path once and visits every node whose
 * prefix the path starts with; each node holds its items sorted by the caller.
 */
export class PrefixNode<T> {
  children: Map<number, PrefixNode<T>> | null = null;
  items: T[] | null = null;
  constructor(public label: string) {}
}

export class PrefixTree<T> {
  readonly root = new PrefixNode<T>('');

  insert(prefix: string, item: T): void {
    let node = this.root;
    let i = 0;
    while (i < prefix.length) {
      const code = prefix.charCodeAt(i);
      const child = node.children?.get(code);
      if (child === undefined) {
        const leaf = new PrefixNode<T>(prefix.slice(i));
        (node.children ??= new Map()).set(code, leaf);
        node = leaf;
        i = prefix.length;
        break;
      }
      // Length of the common part of the child's label and the rest of the prefix.
      const label = child.label;
      let k = 0;
      while (k < label.length && i + k < prefix.length && label.charCodeAt(k) === prefix.charCodeAt(i + k)) k++;
      if (k < label.length) {
        // Split the edge: node → mid(label[0..k]) → child(label[k..]).
        const mid = new PrefixNode<T>(label.slice(0, k));
        child.label = label.slice(k);
        mid.children = new Map([[child.label.charCodeAt(0), child]]);
        node.children!.set(code, mid);
        node = mid;
      } else {
        node = child;
      }
      i += k;
    }
    (node.items ??= []).push(item);
  }

  /**
   * The nodes whose prefix `path` starts with, shortest first, into `nodes` (with the prefix length
   * of each in `depths`); returns how many. The caller's arrays are reused: nothing is allocated.
   */
  nodesAlong(path: string, nodes: PrefixNode<T>[], depths: number[]): number {
    let node = this.root;
    let depth = 0;
    let n = 0;
    for (;;) {
      if (node.items !== null) {
        nodes[n] = node;
        depths[n++] = depth;
      }
      if (depth >= path.length || node.children === null) return n;
      const child = node.children.get(path.charCodeAt(depth));
      if (child === undefined || !path.startsWith(child.label, depth)) return n;
      depth += child.label.length;
      node = child;
    }
  }

  /** Applies `fn` to every item list to sort it once after all inserts. */
  finalize(fn: (items: T[]) => void): void {
    const stack: PrefixNode<T>[] = [this.root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.items) fn(node.items);
      if (node.children) for (const c of node.children.values()) stack.push(c);
    }
  }
}
