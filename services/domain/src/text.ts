import { isBlankText, isWellFormedText } from "@liandong/contracts";
import { type Refusal, refuse } from "./decider.ts";

/**
 * Text a person reads must say something: refused when it is not well-formed Unicode, or when
 * nothing is left once invisible characters and whitespace are removed. (The HTTP boundary
 * normalises and refuses these already; the rule holds whoever calls the decider.)
 */
export function checkText(text: string | undefined, field: string): Refusal | undefined {
  if (text === undefined) return undefined;
  if (!isWellFormedText(text))
    return refuse("invalid", "含有无效字符（不成对的代理项），不是规范的 Unicode 文本", field);
  if (isBlankText(text)) return refuse("invalid", "内容为空：只有空白或不可见字符", field);
  return undefined;
}
