/**
 * Config problems as data. Every issue names the file, the 1-based line and
 * column of the offending YAML node and the key path
 * (`frontends.web.pools[0].backends.b1.weight`), so an operator can jump
 * straight to it; `ConfigError` carries all of them at once, because fixing
 * one error per run is a miserable loop.
 */
import { DomainError } from "../../protocols/common/domain-error.js";

/** One problem in a config file. `line`/`col` are 1-based; 0 means "no position" (e.g. unreadable file). */
export interface ConfigIssue {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Dotted key path; `""` for the whole document. */
  readonly path: string;
  readonly message: string;
}

/** A key path as segments: map keys are strings, list indices numbers. */
export type PathSegments = readonly (string | number)[];

/** The codes a `ConfigError` can carry. */
export type ConfigErrorCode =
  /** The YAML parsed but failed the schema or a semantic (cross-object) rule. */
  | "CFG_E_INVALID"
  /** The file is not well-formed YAML (syntax error, duplicate key, alias bomb). */
  | "CFG_E_YAML"
  /** The file could not be read (missing, permissions, a directory). */
  | "CFG_E_READ";

/** Thrown (or returned) by the loader; `issues` lists every problem found. */
export class ConfigError extends DomainError<ConfigErrorCode> {
  override readonly name = "ConfigError";
  readonly issues: readonly ConfigIssue[];

  constructor(code: ConfigErrorCode, issues: readonly ConfigIssue[]) {
    const first = issues[0];
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
    super(code, first === undefined ? code : `${formatIssue(first)}${more}`, { issues });
    this.issues = issues;
  }
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Render segments as `a.b[0].c`; keys that are not plain identifiers are quoted (`backends["10.0.0.1"]`). */
export function formatPath(segments: PathSegments): string {
  let out = "";
  for (const seg of segments) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** `file:line:col path: message`, leaving out the parts that are unknown. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.col}` : issue.file;
  const path = issue.path === "" ? "" : ` ${issue.path}`;
  return `${where}${path}: ${issue.message}`;
}
