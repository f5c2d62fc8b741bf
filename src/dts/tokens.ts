/**
 * Token kinds of dtc 1.6.1's lexer (dtc-lexer.l). Single-character tokens
 * (`{ } ; = < > [ ] ( ) , / + - * % & | ^ ~ ! ? :` and any other stray byte)
 * are `Tok.Char` with the character code in `Lexer.charCode`.
 */
export enum Tok {
  Eof,
  Char,
  String, // "..." — value bytes (escapes applied, one NUL appended) in Lexer.data
  Literal, // integer literal — Lexer.num / Lexer.big
  CharLiteral, // 'c' — value in Lexer.num
  Byte, // two hex digits inside [ ] — Lexer.num
  Label, // name:  — Lexer.text = name
  LabelRef, // &name — Lexer.text = name
  PathRef, // &{/path} — Lexer.text = /path
  PropNodeName, // property or node name (leading backslash stripped) — Lexer.text
  V1, // /dts-v1/
  Plugin, // /plugin/
  MemReserve, // /memreserve/
  Bits, // /bits/
  DelProp, // /delete-property/
  DelNode, // /delete-node/
  OmitNoRef, // /omit-if-no-ref/
  Incbin, // /incbin/
  LShift,
  RShift,
  Le,
  Ge,
  Eq,
  Ne,
  And,
  Or,
}
