/**
 * Maps a key path back to a position in the YAML source, so schema and
 * semantic errors found on plain JS values can still name `file:line:col`.
 */
import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from "yaml";
import type { ConfigIssue, PathSegments } from "./issue.js";
import { formatPath } from "./issue.js";

/** Turns a path and a message into a located issue. */
export type Locator = (path: PathSegments, message: string, target?: "key" | "value") => ConfigIssue;

/** A locator without a source (for configs built in code): line and column 0. */
export function unlocated(file = "<config>"): Locator {
  return (path, message) => ({ file, line: 0, col: 0, path: formatPath(path), message });
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/**
 * A locator over a parsed document. The deepest node that exists along the
 * path is used: a missing key points at its parent's key, an unknown key at
 * the key itself, a bad value at the value.
 */
export function documentLocator(doc: Document, lines: LineCounter, file: string): Locator {
  return (path, message, target = "value") => {
    let node: unknown = doc.contents;
    let keyNode: Node | undefined;
    let valueNode: Node | undefined = isScalar(node) || isMap(node) || isSeq(node) ? node : undefined;
    let complete = true;
    for (const seg of path) {
      if (isAlias(node)) node = node.resolve(doc);
      let next: unknown;
      let nextKey: Node | undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
        if (pair !== undefined) {
          next = pair.value;
          nextKey = isScalar(pair.key) ? pair.key : undefined;
        }
      } else if (isSeq(node) && typeof seg === "number") {
        next = node.items[seg];
      }
      if (next === undefined && nextKey === undefined) {
        complete = false;
        break;
      }
      node = next;
      keyNode = nextKey;
      valueNode = isScalar(next) || isMap(next) || isSeq(next) || isAlias(next) ? next : undefined;
    }
    const preferKey = target === "key" || !complete || valueNode?.range == null;
    const chosen = (preferKey ? keyNode : valueNode) ?? valueNode ?? keyNode;
    const offset = chosen?.range?.[0];
    const pos = offset === undefined ? { line: 1, col: 1 } : lines.linePos(offset);
    return { file, line: pos.line, col: pos.col, path: formatPath(path), message };
  };
}
