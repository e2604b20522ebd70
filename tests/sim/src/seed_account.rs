//! Account-governance seeding on top of [`crate::seed::generate`]: the situations the account
//! tools audit (an external administrator without 2FA, a stale invitation, a user in no team,
//! invitations a user sent) at every scale, and at `fleet` scale an agency-sized first account
//! whose user and team lists need several pages. Deterministic: its own ChaCha8 stream
//! seeded from the tenant seed, dates from [`REFERENCE_TIME`].

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::seed::{REFERENCE_TIME, Scale};
use crate::state::{Invitation, State, Team, User};

/// Users added to the first account at fleet scale (more than one page of 100).
pub const FLEET_EXTRA_USERS: u64 = 130;
/// Teams added to the first account at fleet scale (more than one page of 100).
pub const FLEET_EXTRA_TEAMS: u64 = 105;
/// E-mail domain of the external consultant every account has as an administrator.
pub const EXTERNAL_DOMAIN: &str = "consultants.example";

/// Adds the account-governance situations to `state`.
pub fn extend(state: &mut State, seed: u64, scale: Scale) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xacc0_u64);
    let accounts: Vec<u64> = state.accounts.iter().map(|a| a.id).collect();
    for (index, &acc) in accounts.iter().enumerate() {
        let base = 500_000 + index as u64 * 1000;
        // An external consultant with admin rights and no 2FA, in no team.
        state.users.push(User {
            user_id: base + 900,
            account_id: acc,
            first_name: "Alex".into(),
            last_name: "Consult".into(),
            email: format!("alex.consult{index}@{EXTERNAL_DOMAIN}"),
            role_type: "admin".into(),
            state_in_account: "valid".into(),
            is_sso: false,
            last_login_at: REFERENCE_TIME - rng.random_range(1..90) * 86_400,
            has_otp: false,
        });
        // A normal user in no team who has not signed in for a year.
        state.users.push(User {
            user_id: base + 901,
            account_id: acc,
            first_name: "Robin".into(),
            last_name: "Former".into(),
            email: format!("robin.former{index}@org{acc}.example"),
            role_type: "normal".into(),
            state_in_account: "valid".into(),
            is_sso: false,
            last_login_at: REFERENCE_TIME - 380 * 86_400,
            has_otp: false,
        });
        // A stale invitation (sent 75 days ago, expired 45 days ago) sent by the admin, and a
        // fresh one the same admin sent: offboarding the admin finds both.
        let admin = base + 1;
        for (k, age) in [(2u64, 75i64), (3, 3)] {
            state.invitations.push(Invitation {
                id: acc * 1000 + k,
                account_id: acc,
                email: format!("guest{k}@partner{index}.example"),
                first_name: "Guest".into(),
                last_name: format!("Number{k}"),
                status: "pending".into(),
                role_type: "normal".into(),
                locale: "fr_FR".into(),
                created_at: REFERENCE_TIME - age * 86_400,
                expired_at: REFERENCE_TIME - (age - 30) * 86_400,
                invited_by: admin,
                language_id: 1,
                team_ids: state
                    .teams
                    .iter()
                    .filter(|t| t.account_id == acc)
                    .map(|t| t.id)
                    .take(1)
                    .collect(),
                ..Invitation::default()
            });
        }
    }
    if scale == Scale::Fleet {
        let acc = accounts[0];
        let owner = 500_000;
        for n in 0..FLEET_EXTRA_USERS {
            let user_id = 510_000 + n;
            state.users.push(User {
                user_id,
                account_id: acc,
                first_name: format!("Staff{n:03}"),
                last_name: "Member".into(),
                email: format!("staff{n:03}@org{acc}.example"),
                role_type: if n % 40 == 0 { "admin" } else { "normal" }.into(),
                state_in_account: "valid".into(),
                is_sso: n % 7 == 0,
                last_login_at: REFERENCE_TIME - rng.random_range(1..400) * 86_400,
                has_otp: rng.random_bool(0.5),
            });
        }
        for n in 0..FLEET_EXTRA_TEAMS {
            let created_at = REFERENCE_TIME - rng.random_range(30..900) * 86_400;
            state.teams.push(Team {
                id: acc * 100 + 10 + n,
                account_id: acc,
                name: format!("Client project {n:03}"),
                color_id: n % 10,
                owned_by_id: owner,
                created_by_id: owner,
                created_at,
                updated_at: created_at + 3600,
                user_ids: (0..FLEET_EXTRA_USERS)
                    .filter(|u| u % 50 == n % 50)
                    .map(|u| 510_000 + u)
                    .collect(),
                permissions: vec![],
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::seed::{Scale, generate};

    use super::*;

    #[test]
    fn every_scale_has_the_audited_situations() {
        for scale in [Scale::Small, Scale::Fleet] {
            let s = generate(5, scale);
            for a in &s.accounts {
                let externals: Vec<_> = s
                    .users
                    .iter()
                    .filter(|u| u.account_id == a.id && u.email.ends_with(EXTERNAL_DOMAIN))
                    .collect();
                assert_eq!(externals.len(), 1);
                assert!(externals[0].role_type == "admin" && !externals[0].has_otp);
                assert!(
                    s.invitations
                        .iter()
                        .any(|i| i.account_id == a.id && i.expired_at < REFERENCE_TIME)
                );
            }
        }
    }

    #[test]
    fn fleet_lists_need_several_pages() {
        let s = generate(5, Scale::Fleet);
        let first = s.accounts[0].id;
        assert!(s.users.iter().filter(|u| u.account_id == first).count() > 100);
        assert!(s.teams.iter().filter(|t| t.account_id == first).count() > 100);
        let ids: std::collections::HashSet<_> = s.teams.iter().map(|t| t.id).collect();
        assert_eq!(ids.len(), s.teams.len(), "team ids are unique");
    }
}
