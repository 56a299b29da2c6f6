// A real OpenID Connect provider for the login tests: panva's oidc-provider (OpenID
// Certified), as it ships, with its development login form, on loopback only.
//
//   node provider.mjs CONFIG.json
//
// CONFIG: {"port", "clients": [...oidc-provider client metadata], "accounts": PATH}.
// ACCOUNTS (re-read at every use, so a test can remove a user):
//   {"<sub>": {"email", "preferred_username", "groups": [...]}}.
// Prints "ready <issuer>" when it listens.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;

function accounts() {
  return JSON.parse(readFileSync(config.accounts, 'utf8'));
}

const provider = new Provider(issuer, {
  clients: config.clients,
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['preferred_username', 'given_name', 'family_name'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  cookies: { keys: ['test-only-cookie-key'] },
  // The staff app is first-party: no consent screen (the login form stays).
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile groups');
    grant.addOIDCClaims(['email', 'email_verified', 'preferred_username', 'groups']);
    await grant.save();
    return grant;
  },
  async findAccount(ctx, sub) {
    const account = accounts()[sub];
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, email_verified: true, ...account };
      },
    };
  },
});
provider.proxy = false;

provider.listen(config.port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
