/** A node of the service graph: a service (segment name + origin), an inferred downstream, or the client. */
export interface NodeKey {
  name: string;
  /** The segment's `origin`, the inferred node's type, or 'client'; '' when a service has none. */
  type: string;
}

/** The one node that stands for the callers of every trace's root segment (X-Ray's `client` type). */
export const CLIENT_NODE: NodeKey = { name: 'client', type: 'client' };

/** A string that identifies a node (for maps). */
export function nodeKeyId(k: NodeKey): string {
  return `${k.type}\u0000${k.name}`;
}
