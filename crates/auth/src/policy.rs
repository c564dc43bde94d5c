//! The one permission policy: may this actor do this action to this resource?
//! Handlers load the resource facts, ask [`decide`], and map the [`Decision`] once.
//!
//! The rules, in words:
//! - Nobody anonymous gets anything here ([`Reason::NotLoggedIn`]). Public pages and the
//!   unauthenticated auth endpoints (register, login, refresh, reset, unsubscribe) never ask.
//! - Every signed-in user may read and edit their own account and read their notifications.
//! - Suppliers and OEMs act only for their own organization; acting changes what others see, so it
//!   needs a verified email ([`Reason::EmailNotVerified`]); reading their own data does not.
//! - Staff and admins may do every staff action and look at and correct everything; they do not act
//!   as a company (post, express interest, record intentions). Their accounts come from the
//!   command line, so their email is not gated.
//! - Only an admin creates staff or deactivates staff and admins.
//! - Attachments follow their posting: whoever may see it may read them (a need's only its owner,
//!   staff and suppliers with an approved match); its own verified members upload; they and staff
//!   delete.

use peitao_domain::ids::{OrganizationId, UserId};
use peitao_domain::user::Role;

/// The signed-in user asking, as the HTTP layer knows them (token plus a fresh account read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
    pub organization_id: Option<OrganizationId>,
    pub email_verified: bool,
    /// Whether the user owns (administers) their organization's membership.
    pub is_org_owner: bool,
}

impl Actor {
    /// Whether the actor belongs to `organization_id`.
    #[must_use]
    pub fn is_member_of(&self, organization_id: OrganizationId) -> bool {
        self.organization_id == Some(organization_id)
    }
}

/// Everything the API lets a signed-in user attempt, with the facts about the resource that the
/// decision needs. Organization ids are the resource's, loaded by the handler, never the caller's
/// claim about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `GET /me`.
    ReadOwnAccount,
    /// `PATCH /me`.
    EditOwnAccount,
    /// `GET /notifications`.
    ReadNotifications,
    /// Contact fields of an organization's profile. `mutual_interest`: the actor's organization
    /// and this one are both interested in an approved match.
    ViewOrganizationContact {
        organization_id: OrganizationId,
        mutual_interest: bool,
    },
    /// `PATCH /organizations/{id}` and `PUT /organizations/{id}/certifications`.
    EditOrganization { organization_id: OrganizationId },
    /// Inviting and removing an organization's members: its owner, or staff.
    ManageOrgMembers { organization_id: OrganizationId },
    /// `POST /organizations/{id}/verify`.
    VerifyOrganization,
    /// `POST /organizations/{id}/suspend` and `/reinstate`.
    SuspendOrganization,
    /// `POST /capabilities` for `organization_id`.
    PostCapability { organization_id: OrganizationId },
    /// `PATCH`/`DELETE /capabilities/{id}`, and seeing it while it is a draft or archived.
    EditCapability {
        owner_organization_id: OrganizationId,
    },
    /// `GET /capabilities/{id}/matches`.
    ViewCapabilityMatches {
        owner_organization_id: OrganizationId,
    },
    /// `POST /needs` for `organization_id`.
    PostNeed { organization_id: OrganizationId },
    /// `PATCH /needs/{id}` and `POST /needs/{id}/close`.
    EditNeed {
        owner_organization_id: OrganizationId,
    },
    /// `GET /needs/{id}/matches` (which matches an OEM sees is the handler's filter).
    ViewNeedMatches {
        owner_organization_id: OrganizationId,
    },
    /// A need's `target_price`.
    ViewTargetPrice {
        owner_organization_id: OrganizationId,
    },
    /// `POST /capabilities/{id}/attachments` and `POST /needs/{id}/attachments`: the posting's own
    /// verified members. Staff correct (delete) but do not upload for a company.
    UploadAttachment {
        owner_organization_id: OrganizationId,
    },
    /// Listing and downloading a capability's attachments: any signed-in user while the
    /// capability is `public` (published, its organization in good standing); otherwise the
    /// owner's members and staff.
    ViewCapabilityAttachments {
        owner_organization_id: OrganizationId,
        public: bool,
    },
    /// Listing and downloading a need's attachments: the owner's members, staff, and members of a
    /// supplier holding an approved match on the need (`approved_match`, loaded by the handler).
    ViewNeedAttachments {
        owner_organization_id: OrganizationId,
        approved_match: bool,
    },
    /// `DELETE /attachments/{id}`: the posting's verified members, and staff.
    DeleteAttachment {
        owner_organization_id: OrganizationId,
    },
    /// The moderation queue, `POST /matches/{id}/approve` and `/reject`, flagging organizations.
    ModerateMatches,
    /// `GET /matches/{id}`: its parties once staff approved it; staff always.
    ViewMatch {
        supplier_organization_id: OrganizationId,
        oem_organization_id: OrganizationId,
        approved: bool,
    },
    /// `GET /needs/{id}/quotes`: the quotes suppliers gave on a need, side by side.
    CompareQuotes {
        owner_organization_id: OrganizationId,
    },
    /// `POST /matches/{id}/interest`; `organization_id` is the side's organization the actor
    /// speaks for (the capability's supplier or the need's OEM).
    ExpressInterest { organization_id: OrganizationId },
    /// `POST /matches/{id}/intention`; `organization_id` as for [`Action::ExpressInterest`].
    RecordIntention { organization_id: OrganizationId },
    /// `POST /matches/{id}/intention/confirm`.
    ConfirmIntention,
    /// `GET /audit`.
    ViewAudit,
    /// `POST /imports/organizations`, `GET /imports` and `GET /imports/{id}`.
    ImportRoster,
    /// Docking events: `POST /events`, `POST /events/{id}/invitations`, `GET /events/{id}/report`.
    ManageEvents,
    /// `GET /events` and `GET /events/{id}`: every signed-in user.
    ViewEvents,
    /// `POST`/`DELETE /events/{id}/attendance` for `organization_id`, the actor's organization.
    /// `eligible`: the organization was invited to the event, or is verified by the association.
    AttendEvent {
        organization_id: OrganizationId,
        eligible: bool,
    },
    /// `GET /analytics/*`, CSV exports included.
    ViewAnalytics,
    /// Looking at and retrying mail the outbox gave up on.
    ManageDeadMail,
    /// Deactivating an account whose role is `target_role`.
    DeactivateUser { target_role: Role },
    /// Creating a staff account.
    CreateStaff,
}

/// The answer, which the HTTP layer maps to a status once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny(Reason),
}

impl Decision {
    #[must_use]
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// Why an action was denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// No valid session. HTTP 401.
    NotLoggedIn,
    /// Allowed once the user verifies their email. HTTP 403 with a "verify your email" problem.
    EmailNotVerified,
    /// Not for this user, whatever they do. HTTP 403 (or 404 where existence is private).
    Forbidden,
}

/// Decides whether `actor` (`None`: anonymous) may perform `action`.
#[must_use]
pub fn decide(actor: Option<&Actor>, action: Action) -> Decision {
    let Some(actor) = actor else {
        return Decision::Deny(Reason::NotLoggedIn);
    };
    match action {
        Action::ReadOwnAccount
        | Action::EditOwnAccount
        | Action::ReadNotifications
        | Action::ViewEvents => Decision::Allow,

        Action::VerifyOrganization
        | Action::SuspendOrganization
        | Action::ModerateMatches
        | Action::ConfirmIntention
        | Action::ViewAudit
        | Action::ImportRoster
        | Action::ManageEvents
        | Action::ViewAnalytics
        | Action::ManageDeadMail => allow_if(actor.role.is_staff()),

        Action::CreateStaff => allow_if(actor.role == Role::Admin),
        Action::DeactivateUser { target_role } => match actor.role {
            Role::Admin => Decision::Allow,
            // Staff cannot lock out their peers or the admin.
            Role::Staff => allow_if(!target_role.is_staff()),
            Role::Supplier | Role::Oem => Decision::Deny(Reason::Forbidden),
        },

        Action::ViewOrganizationContact {
            organization_id,
            mutual_interest,
        } => staff_or(
            actor,
            allow_if(actor.is_member_of(organization_id) || mutual_interest),
        ),
        Action::EditOrganization { organization_id } => {
            staff_or(actor, act_if(actor, actor.is_member_of(organization_id)))
        }
        Action::ManageOrgMembers { organization_id } => staff_or(
            actor,
            act_if(
                actor,
                actor.is_org_owner && actor.is_member_of(organization_id),
            ),
        ),

        Action::PostCapability { organization_id } => act_if(
            actor,
            actor.role == Role::Supplier && actor.is_member_of(organization_id),
        ),
        Action::PostNeed { organization_id } => act_if(
            actor,
            actor.role == Role::Oem && actor.is_member_of(organization_id),
        ),
        Action::EditCapability {
            owner_organization_id,
        }
        | Action::EditNeed {
            owner_organization_id,
        } => staff_or(
            actor,
            act_if(actor, actor.is_member_of(owner_organization_id)),
        ),
        Action::ViewMatch {
            supplier_organization_id,
            oem_organization_id,
            approved,
        } => staff_or(
            actor,
            allow_if(
                approved
                    && (actor.is_member_of(supplier_organization_id)
                        || actor.is_member_of(oem_organization_id)),
            ),
        ),
        Action::ViewCapabilityMatches {
            owner_organization_id,
        }
        | Action::CompareQuotes {
            owner_organization_id,
        }
        | Action::ViewNeedMatches {
            owner_organization_id,
        }
        | Action::ViewTargetPrice {
            owner_organization_id,
        } => staff_or(actor, allow_if(actor.is_member_of(owner_organization_id))),

        Action::UploadAttachment {
            owner_organization_id,
        } => act_if(
            actor,
            !actor.role.is_staff() && actor.is_member_of(owner_organization_id),
        ),
        Action::ViewCapabilityAttachments {
            owner_organization_id,
            public,
        } => staff_or(
            actor,
            allow_if(public || actor.is_member_of(owner_organization_id)),
        ),
        Action::ViewNeedAttachments {
            owner_organization_id,
            approved_match,
        } => staff_or(
            actor,
            allow_if(approved_match || actor.is_member_of(owner_organization_id)),
        ),
        Action::DeleteAttachment {
            owner_organization_id,
        } => staff_or(
            actor,
            act_if(actor, actor.is_member_of(owner_organization_id)),
        ),

        // The parties' own decisions: staff moderate and confirm, they do not speak for a company.
        Action::ExpressInterest { organization_id }
        | Action::RecordIntention { organization_id } => act_if(
            actor,
            !actor.role.is_staff() && actor.is_member_of(organization_id),
        ),
        // Attendance is a company's commitment: staff run the event, they do not attend it.
        Action::AttendEvent {
            organization_id,
            eligible,
        } => act_if(
            actor,
            !actor.role.is_staff() && eligible && actor.is_member_of(organization_id),
        ),
    }
}

/// Shorthand for `decide(..).is_allowed()`.
#[must_use]
pub fn can(actor: Option<&Actor>, action: Action) -> bool {
    decide(actor, action).is_allowed()
}

fn allow_if(allowed: bool) -> Decision {
    if allowed {
        Decision::Allow
    } else {
        Decision::Deny(Reason::Forbidden)
    }
}

/// A company acting: allowed only with a verified email. Unverified users are told to verify only
/// when verifying would actually let them through.
fn act_if(actor: &Actor, allowed: bool) -> Decision {
    match (allowed, actor.email_verified) {
        (false, _) => Decision::Deny(Reason::Forbidden),
        (true, false) => Decision::Deny(Reason::EmailNotVerified),
        (true, true) => Decision::Allow,
    }
}

fn staff_or(actor: &Actor, otherwise: Decision) -> Decision {
    if actor.role.is_staff() {
        Decision::Allow
    } else {
        otherwise
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    const S: OrganizationId = OrganizationId(Uuid::from_u128(0x5));
    const O: OrganizationId = OrganizationId(Uuid::from_u128(0x0E));
    /// An organization none of the actors belongs to.
    const X: OrganizationId = OrganizationId(Uuid::from_u128(0xFF));

    // The four answers, one letter each so the matrix lines up.
    const Y: Decision = Decision::Allow;
    const L: Decision = Decision::Deny(Reason::NotLoggedIn);
    const V: Decision = Decision::Deny(Reason::EmailNotVerified);
    const N: Decision = Decision::Deny(Reason::Forbidden);

    /// The columns of the matrix, in order.
    const COLUMNS: [&str; 9] = [
        "anonymous",
        "supplier member",
        "supplier owner",
        "supplier new (owner, email unverified)",
        "oem member",
        "oem owner",
        "oem new (owner, email unverified)",
        "staff",
        "admin",
    ];

    fn actor(role: Role, org: Option<OrganizationId>, owner: bool, verified: bool) -> Actor {
        Actor {
            user_id: UserId(Uuid::from_u128(0xA)),
            role,
            organization_id: org,
            email_verified: verified,
            is_org_owner: owner,
        }
    }

    fn actors() -> [Option<Actor>; 9] {
        [
            None,
            Some(actor(Role::Supplier, Some(S), false, true)),
            Some(actor(Role::Supplier, Some(S), true, true)),
            Some(actor(Role::Supplier, Some(S), true, false)),
            Some(actor(Role::Oem, Some(O), false, true)),
            Some(actor(Role::Oem, Some(O), true, true)),
            Some(actor(Role::Oem, Some(O), true, false)),
            Some(actor(Role::Staff, None, false, true)),
            Some(actor(Role::Admin, None, false, true)),
        ]
    }

    /// THE SPEC. S is the suppliers' organization, O the OEMs', X somebody else's.
    /// Y allow · L not logged in (401) · V verify your email first (403) · N forbidden (403).
    #[rustfmt::skip]
    fn matrix() -> Vec<(Action, [Decision; 9])> {
        use Action::*;
        let contact = |organization_id, mutual_interest| ViewOrganizationContact { organization_id, mutual_interest };
        let view_match = |supplier_organization_id, oem_organization_id, approved| ViewMatch { supplier_organization_id, oem_organization_id, approved };
        let cap_files = |owner_organization_id, public| ViewCapabilityAttachments { owner_organization_id, public };
        let need_files = |owner_organization_id, approved_match| ViewNeedAttachments { owner_organization_id, approved_match };
        let attend = |organization_id, eligible| AttendEvent { organization_id, eligible };
        vec![
            //                                                   anon  sup   sup   sup   oem   oem   oem   staff admin
            //                                                         memb  owner new   memb  owner new
            (ReadOwnAccount,                                     [L,   Y,    Y,    Y,    Y,    Y,    Y,    Y,    Y]),
            (EditOwnAccount,                                     [L,   Y,    Y,    Y,    Y,    Y,    Y,    Y,    Y]),
            (ReadNotifications,                                  [L,   Y,    Y,    Y,    Y,    Y,    Y,    Y,    Y]),

            (contact(S, false),                                  [L,   Y,    Y,    Y,    N,    N,    N,    Y,    Y]),
            (contact(S, true),                                   [L,   Y,    Y,    Y,    Y,    Y,    Y,    Y,    Y]),
            (contact(X, false),                                  [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),
            (EditOrganization { organization_id: S },            [L,   Y,    Y,    V,    N,    N,    N,    Y,    Y]),
            (EditOrganization { organization_id: O },            [L,   N,    N,    N,    Y,    Y,    V,    Y,    Y]),
            (EditOrganization { organization_id: X },            [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),
            (ManageOrgMembers { organization_id: S },            [L,   N,    Y,    V,    N,    N,    N,    Y,    Y]),
            (ManageOrgMembers { organization_id: O },            [L,   N,    N,    N,    N,    Y,    V,    Y,    Y]),
            (ManageOrgMembers { organization_id: X },            [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),
            (VerifyOrganization,                                 [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),
            (SuspendOrganization,                                [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),

            (PostCapability { organization_id: S },              [L,   Y,    Y,    V,    N,    N,    N,    N,    N]),
            (PostCapability { organization_id: O },              [L,   N,    N,    N,    N,    N,    N,    N,    N]),
            (PostCapability { organization_id: X },              [L,   N,    N,    N,    N,    N,    N,    N,    N]),
            (EditCapability { owner_organization_id: S },        [L,   Y,    Y,    V,    N,    N,    N,    Y,    Y]),
            (EditCapability { owner_organization_id: X },        [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),
            (ViewCapabilityMatches { owner_organization_id: S }, [L,   Y,    Y,    Y,    N,    N,    N,    Y,    Y]),
            (ViewCapabilityMatches { owner_organization_id: X }, [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),

            (PostNeed { organization_id: O },                    [L,   N,    N,    N,    Y,    Y,    V,    N,    N]),
            (PostNeed { organization_id: S },                    [L,   N,    N,    N,    N,    N,    N,    N,    N]),
            (PostNeed { organization_id: X },                    [L,   N,    N,    N,    N,    N,    N,    N,    N]),
            (EditNeed { owner_organization_id: O },              [L,   N,    N,    N,    Y,    Y,    V,    Y,    Y]),
            (EditNeed { owner_organization_id: X },              [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),
            (ViewNeedMatches { owner_organization_id: O },       [L,   N,    N,    N,    Y,    Y,    Y,    Y,    Y]),
            (ViewNeedMatches { owner_organization_id: X },       [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),
            (ViewTargetPrice { owner_organization_id: O },       [L,   N,    N,    N,    Y,    Y,    Y,    Y,    Y]),
            (ViewTargetPrice { owner_organization_id: X },       [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),

            (UploadAttachment { owner_organization_id: S },      [L,   Y,    Y,    V,    N,    N,    N,    N,    N]),
            (UploadAttachment { owner_organization_id: O },      [L,   N,    N,    N,    Y,    Y,    V,    N,    N]),
            (UploadAttachment { owner_organization_id: X },      [L,   N,    N,    N,    N,    N,    N,    N,    N]),
            (cap_files(S, true),                                 [L,   Y,    Y,    Y,    Y,    Y,    Y,    Y,    Y]),
            (cap_files(S, false),                                [L,   Y,    Y,    Y,    N,    N,    N,    Y,    Y]),
            (cap_files(X, false),                                [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),
            (need_files(O, false),                               [L,   N,    N,    N,    Y,    Y,    Y,    Y,    Y]),
            (need_files(O, true),                                [L,   Y,    Y,    Y,    Y,    Y,    Y,    Y,    Y]),
            (need_files(X, false),                               [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),
            (DeleteAttachment { owner_organization_id: S },      [L,   Y,    Y,    V,    N,    N,    N,    Y,    Y]),
            (DeleteAttachment { owner_organization_id: O },      [L,   N,    N,    N,    Y,    Y,    V,    Y,    Y]),
            (DeleteAttachment { owner_organization_id: X },      [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),

            (ModerateMatches,                                    [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),
            (view_match(S, O, true),                             [L,   Y,    Y,    Y,    Y,    Y,    Y,    Y,    Y]),
            (view_match(S, O, false),                            [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),
            (view_match(S, X, true),                             [L,   Y,    Y,    Y,    N,    N,    N,    Y,    Y]),
            (view_match(X, X, true),                             [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),
            (CompareQuotes { owner_organization_id: O },         [L,   N,    N,    N,    Y,    Y,    Y,    Y,    Y]),
            (CompareQuotes { owner_organization_id: S },         [L,   Y,    Y,    Y,    N,    N,    N,    Y,    Y]),
            (CompareQuotes { owner_organization_id: X },         [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),
            (ExpressInterest { organization_id: S },             [L,   Y,    Y,    V,    N,    N,    N,    N,    N]),
            (ExpressInterest { organization_id: O },             [L,   N,    N,    N,    Y,    Y,    V,    N,    N]),
            (ExpressInterest { organization_id: X },             [L,   N,    N,    N,    N,    N,    N,    N,    N]),
            (RecordIntention { organization_id: S },             [L,   Y,    Y,    V,    N,    N,    N,    N,    N]),
            (RecordIntention { organization_id: O },             [L,   N,    N,    N,    Y,    Y,    V,    N,    N]),
            (RecordIntention { organization_id: X },             [L,   N,    N,    N,    N,    N,    N,    N,    N]),
            (ConfirmIntention,                                   [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),

            (ViewAudit,                                          [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),
            (ImportRoster,                                       [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),
            (ManageEvents,                                       [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),
            (ViewEvents,                                         [L,   Y,    Y,    Y,    Y,    Y,    Y,    Y,    Y]),
            (attend(S, true),                                    [L,   Y,    Y,    V,    N,    N,    N,    N,    N]),
            (attend(S, false),                                   [L,   N,    N,    N,    N,    N,    N,    N,    N]),
            (attend(O, true),                                    [L,   N,    N,    N,    Y,    Y,    V,    N,    N]),
            (attend(X, true),                                    [L,   N,    N,    N,    N,    N,    N,    N,    N]),
            (ViewAnalytics,                                      [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),
            (ManageDeadMail,                                     [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),
            (DeactivateUser { target_role: Role::Supplier },     [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),
            (DeactivateUser { target_role: Role::Oem },          [L,   N,    N,    N,    N,    N,    N,    Y,    Y]),
            (DeactivateUser { target_role: Role::Staff },        [L,   N,    N,    N,    N,    N,    N,    N,    Y]),
            (DeactivateUser { target_role: Role::Admin },        [L,   N,    N,    N,    N,    N,    N,    N,    Y]),
            (CreateStaff,                                        [L,   N,    N,    N,    N,    N,    N,    N,    Y]),
        ]
    }

    #[test]
    fn the_permission_matrix() {
        let actors = actors();
        let mut wrong = Vec::new();
        for (action, expected) in matrix() {
            for ((actor, column), want) in actors.iter().zip(COLUMNS).zip(expected) {
                let got = decide(actor.as_ref(), action);
                if got != want {
                    wrong.push(format!(
                        "{action:?} by {column}: expected {want:?}, got {got:?}"
                    ));
                }
                assert_eq!(can(actor.as_ref(), action), want == Y);
            }
        }
        assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
    }

    /// Fails to compile when an action is added, and fails at run time until the matrix has a
    /// row for it.
    #[test]
    fn the_matrix_covers_every_action() {
        fn index(action: Action) -> usize {
            use Action::*;
            match action {
                ReadOwnAccount => 0,
                EditOwnAccount => 1,
                ReadNotifications => 2,
                ViewOrganizationContact { .. } => 3,
                EditOrganization { .. } => 4,
                ManageOrgMembers { .. } => 5,
                VerifyOrganization => 6,
                SuspendOrganization => 7,
                PostCapability { .. } => 8,
                EditCapability { .. } => 9,
                ViewCapabilityMatches { .. } => 10,
                PostNeed { .. } => 11,
                EditNeed { .. } => 12,
                ViewNeedMatches { .. } => 13,
                ViewTargetPrice { .. } => 14,
                ModerateMatches => 15,
                ExpressInterest { .. } => 16,
                RecordIntention { .. } => 17,
                ConfirmIntention => 18,
                ViewAudit => 19,
                ImportRoster => 20,
                ViewAnalytics => 21,
                ManageDeadMail => 22,
                DeactivateUser { .. } => 23,
                CreateStaff => 24,
                ViewMatch { .. } => 25,
                CompareQuotes { .. } => 26,
                UploadAttachment { .. } => 27,
                ViewCapabilityAttachments { .. } => 28,
                ViewNeedAttachments { .. } => 29,
                DeleteAttachment { .. } => 30,
                ManageEvents => 31,
                ViewEvents => 32,
                AttendEvent { .. } => 33,
            }
        }
        let covered: std::collections::BTreeSet<usize> = matrix()
            .into_iter()
            .map(|(action, _)| index(action))
            .collect();
        let missing: Vec<usize> = (0..34).filter(|i| !covered.contains(i)).collect();
        assert!(
            missing.is_empty(),
            "actions without a matrix row: {missing:?}"
        );
    }

    #[test]
    fn members_without_an_organization_act_for_none() {
        let loner = actor(Role::Supplier, None, true, true);
        for action in [
            Action::EditOrganization { organization_id: S },
            Action::ManageOrgMembers { organization_id: S },
            Action::PostCapability { organization_id: S },
            Action::ExpressInterest { organization_id: S },
            Action::ViewTargetPrice {
                owner_organization_id: S,
            },
        ] {
            assert_eq!(decide(Some(&loner), action), N, "{action:?}");
        }
        assert_eq!(decide(Some(&loner), Action::ReadOwnAccount), Y);
    }

    #[test]
    fn staff_are_not_gated_on_email_verification() {
        let staff = actor(Role::Staff, None, false, false);
        assert_eq!(decide(Some(&staff), Action::ModerateMatches), Y);
        assert_eq!(
            decide(
                Some(&staff),
                Action::EditOrganization { organization_id: X }
            ),
            Y
        );
    }

    #[test]
    fn an_owner_role_on_the_wrong_side_does_not_help() {
        // An OEM user whose organization id matches still cannot post a capability for it.
        let oem_in_s = actor(Role::Oem, Some(S), true, true);
        assert_eq!(
            decide(
                Some(&oem_in_s),
                Action::PostCapability { organization_id: S }
            ),
            N
        );
        let supplier_in_o = actor(Role::Supplier, Some(O), true, true);
        assert_eq!(
            decide(
                Some(&supplier_in_o),
                Action::PostNeed { organization_id: O }
            ),
            N
        );
    }
}
