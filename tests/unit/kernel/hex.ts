/** Golden bytes written as hex, with spaces and `#` comments, one struct field per chunk (the kernel codec tests). */
export const hex = (s: string): Uint8Array =>
  Uint8Array.from(
    Buffer.from(
      s
        .split("\n")
        .map((l) => l.replace(/#.*/, ""))
        .join("")
        .replace(/\s+/g, ""),
      "hex",
    ),
  );
