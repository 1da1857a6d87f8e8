/**
 * In-memory fakes of the product's log and of the bot's message to a person (`notify`): what the
 * jobs tell people in Teams and what they log, recorded so a test can check both (and that no
 * line carries a child's or a school's details).
 */
import type { Logger } from "../../core/ports.js";

type Fields = Record<string, string | number | boolean | null>;

export class FakeLog implements Logger {
  readonly lines: { level: "info" | "warn"; event: string; fields: Fields }[] = [];
  info(event: string, fields: Fields = {}): void {
    this.lines.push({ level: "info", event, fields });
  }
  warn(event: string, fields: Fields = {}): void {
    this.lines.push({ level: "warn", event, fields });
  }
  events(level?: "info" | "warn"): string[] {
    return this.lines.filter((l) => !level || l.level === level).map((l) => l.event);
  }
  /** Every line as the console logger writes it (JSON), for checks on what a line may carry. */
  text(): string {
    return this.lines.map((l) => JSON.stringify({ level: l.level, event: l.event, ...l.fields })).join("\n");
  }
}

/**
 * The bot's Teams message to a person: delivered to those whose personal chat it knows (false for
 * anyone else, as the bot answers); `down` makes every call throw, as Teams does in an outage.
 */
export class FakeTeamsMessages {
  readonly told: { to: string; text: string }[] = [];
  down = false;
  private readonly chats: Set<string>;
  constructor(chats: string[] = []) {
    this.chats = new Set(chats.map((c) => c.toLowerCase()));
  }
  notify = async (email: string, text: string): Promise<boolean> => {
    if (this.down) throw Object.assign(new Error("Teams is unavailable"), { statusCode: 503 });
    if (!this.chats.has(email.toLowerCase())) return false;
    this.told.push({ to: email.toLowerCase(), text });
    return true;
  };
  to(email: string): string[] {
    return this.told.filter((t) => t.to === email.toLowerCase()).map((t) => t.text);
  }
}
