// Card numbers never reach a log line or the model: any run of 13 to 19 digits (spaces or dashes
// between them allowed) that passes the Luhn check is replaced before the text goes anywhere.

const CANDIDATE = /\b\d(?:[ -]?\d){12,18}\b/g;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export const CARD_PLACEHOLDER = '[card number removed]';

export function redactCardNumbers(text: string): string {
  return text.replace(CANDIDATE, (m) => (luhn(m.replace(/[ -]/g, '')) ? CARD_PLACEHOLDER : m));
}
