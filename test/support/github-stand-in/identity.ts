import { randomBytes } from 'node:crypto';
import type { Account, AccountType, Installation, InstallationToken } from './model';

/** The store's ids and clock, which identities share with everything else in it. */
export interface StoreClock {
  id(): number;
  /** The stand-in's time in ms (tests may move it ahead of the wall clock). */
  nowMs(): number;
}

/**
 * Who is who on the stand-in: accounts (users, bots, orgs), the app's installations, and the tokens handed out for
 * them: installation tokens minted by the app and personal access tokens for tests acting as a human.
 */
export class IdentityStore {
  private readonly accounts = new Map<string, Account>();
  readonly installations = new Map<number, Installation>();
  private readonly tokens = new Map<string, InstallationToken>();
  private readonly userTokens = new Map<string, Account>();

  constructor(private readonly clock: StoreClock) {}

  /** Accounts spring into existence on first mention; `…[bot]` logins are bots, like GitHub Apps' users. */
  account(login: string, type?: AccountType): Account {
    const key = login.toLowerCase();
    let account = this.accounts.get(key);
    if (!account) {
      account = { id: this.clock.id(), login, type: type ?? (login.endsWith('[bot]') ? 'Bot' : 'User') };
      this.accounts.set(key, account);
    } else if (type && account.type !== type) {
      account.type = type;
    }
    return account;
  }

  findAccount(login: string): Account | undefined {
    return this.accounts.get(login.toLowerCase());
  }

  installationForOwner(owner: string): Installation | undefined {
    for (const inst of this.installations.values()) {
      if (inst.account.login.toLowerCase() === owner.toLowerCase() && !inst.removed) return inst;
    }
    return undefined;
  }

  ensureInstallation(owner: Account, id?: number): Installation {
    const existing = this.installationForOwner(owner.login);
    if (existing) return existing;
    const inst: Installation = { id: id ?? this.clock.id(), account: owner, suspended: false, removed: false };
    this.installations.set(inst.id, inst);
    return inst;
  }

  issueToken(installationId: number, ttlMs = 3_600_000): InstallationToken {
    const token: InstallationToken = {
      token: `ghs_${randomBytes(18).toString('base64url')}`,
      installationId,
      expiresAt: this.clock.nowMs() + ttlMs,
    };
    this.tokens.set(token.token, token);
    return token;
  }

  /** Every installation and user token handed out so far (e.g. to assert none of them reaches a log line). */
  issuedTokens(): string[] {
    return [...this.tokens.keys(), ...this.userTokens.keys()];
  }

  tokenInfo(token: string): InstallationToken | undefined {
    return this.tokens.get(token);
  }

  /** A personal access token acting as a human, so tests can drive the REST API as a user. */
  createUserToken(login: string): string {
    const token = `ghp_${randomBytes(18).toString('base64url')}`;
    this.userTokens.set(token, this.account(login));
    return token;
  }

  userForToken(token: string): Account | undefined {
    return this.userTokens.get(token);
  }

  /** Revoked tokens stay known so they answer 401 instead of falling back to the permissive unknown-token mode. */
  revokeInstallationTokens(installationId: number): void {
    for (const t of this.tokens.values()) if (t.installationId === installationId) t.expiresAt = 0;
  }
}
