//! Who a person is on the platform and how often they want mail.
//! Staff and admin accounts are created from the command line, never by registering.

use crate::word_enum;

word_enum!(
    /// What a user may do is decided by the role first (see the auth policy).
    Role, "user.role", "角色只能是 supplier、oem、staff 或 admin",
    "role must be supplier, oem, staff or admin" {
        Supplier = "supplier",
        Oem = "oem",
        Staff = "staff",
        Admin = "admin",
    }
);

word_enum!(
    /// How notification mail reaches a user; security mail ignores it.
    EmailFrequency, "user.email_frequency", "邮件频率只能是 instant(即时)、daily(每日汇总)或 off(关闭)",
    "email_frequency must be instant, daily or off" {
        Instant = "instant",
        Daily = "daily",
        Off = "off",
    }
);

impl Role {
    /// Association staff and administrators see everything and moderate.
    #[must_use]
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Staff | Role::Admin)
    }
}

word_enum!(
    /// Where a capability stands: only published ones are listed and matched.
    CapabilityStatus, "capability.status", "能力状态只能是 draft、published 或 archived",
    "status must be draft, published or archived" {
        Draft = "draft",
        Published = "published",
        Archived = "archived",
    }
);

word_enum!(
    /// Where a need stands: only open needs are matched.
    NeedStatus, "need.status", "需求状态只能是 open、closed 或 expired",
    "status must be open, closed or expired" {
        Open = "open",
        Closed = "closed",
        Expired = "expired",
    }
);
