//! Every visible word of the account pages, Chinese first and English second, side by side so a
//! missing translation shows in review. Templates read these tables; they hold no prose.

use peitao_domain::Locale;

/// Declares a table of page words with its Chinese and English instances.
macro_rules! words {
    ($(#[$meta:meta])* $name:ident { $($field:ident: $zh:expr, $en:expr;)* }) => {
        $(#[$meta])*
        #[derive(Debug)]
        pub struct $name {
            $(pub $field: &'static str,)*
        }

        impl $name {
            #[must_use]
            pub fn for_locale(locale: Locale) -> &'static $name {
                static ZH: $name = $name { $($field: $zh,)* };
                static EN: $name = $name { $($field: $en,)* };
                match locale {
                    Locale::ZhCn => &ZH,
                    Locale::En => &EN,
                }
            }
        }
    };
}
pub(crate) use words;

words!(
    /// Words several pages share: the header link, notices, error pages.
    Common {
        nav_label: "账号", "Account";
        log_in: "登录", "Log in";
        my_account: "我的账号", "My account";
        log_out: "退出", "Log out";
        fix_fields: "请修改下面标出的内容后再提交。", "Please correct the fields marked below.";
        required: "请填写此项。", "Please fill this in.";
        home: "返回首页", "Back to the home page";
        back_to_form: "重新打开表单", "Open the form again";
        forbidden_heading: "无法完成此操作", "This cannot be done";
        unavailable_heading: "服务暂时不可用", "Service unavailable";
        unavailable_body: "请稍后再试。", "Please try again shortly.";
        error_heading: "出错了", "Something went wrong";
        error_body: "出现了意外错误，我们已记录。请稍后再试。", "Something unexpected went wrong and has been logged. Please try again later.";
        not_found_heading: "找不到这个页面", "We could not find that page";
        not_found_body: "您要找的内容不存在，或您无权查看。", "What you asked for does not exist, or you may not see it.";
        wait_heading: "尝试次数过多", "Too many attempts";
        wait_seconds: "尝试次数过多，请等待 {n} 秒后再试。", "Too many attempts: please wait {n} seconds and try again.";
        wait_minutes: "尝试次数过多，请等待 {n} 分钟后再试。", "Too many attempts: please wait {n} minutes and try again.";
    }
);

words!(
    /// GET/POST /register and the page after it.
    RegisterWords {
        title: "注册企业账号", "Register your company";
        intro: "零部件企业和整车企业在这里注册。注册后我们会发一封验证邮件；企业资料由行业协会核验。", "Parts suppliers and automakers register here. We then mail you a verification link; association staff check your company's details.";
        account_heading: "您的账号", "Your account";
        company_heading: "您的企业", "Your company";
        email: "邮箱", "Email";
        email_hint: "用于登录和接收通知。", "For logging in and for notifications.";
        password: "密码", "Password";
        password_hint: "至少 10 个字符，不要使用常见密码，也不要包含邮箱 @ 前的部分。", "At least 10 characters; not a common password, and not the part of your email before the @.";
        display_name: "您的姓名", "Your name";
        display_name_hint: "合作方看到的联系人称呼。", "How partners will address you.";
        role: "企业类型", "Type of company";
        role_supplier: "零部件企业（供应商）", "Parts supplier";
        role_supplier_hint: "发布供货能力，接收匹配的采购需求。", "Posts capabilities and hears of matching needs.";
        role_oem: "整车企业（采购方）", "Automaker (OEM)";
        role_oem_hint: "发布采购需求，查看排序后的供应商。", "Posts procurement needs and sees ranked suppliers.";
        role_missing: "请选择企业类型。", "Choose the type of company.";
        organization_name: "企业名称", "Company name";
        organization_name_hint: "与营业执照一致的全称。", "The full legal name, as on the business licence.";
        credit_code: "统一社会信用代码", "Unified social credit code";
        credit_code_hint: "18 位，见营业执照。", "18 characters, on the business licence.";
        region_code: "所在地区代码", "Region code";
        region_code_hint: "6 位数字，例如 500112（重庆市渝北区）。", "6 digits, e.g. 500112 (Yubei District, Chongqing).";
        submit: "注册", "Register";
        have_account: "已有账号？登录", "Already registered? Log in";
        done_title: "请查收验证邮件", "Check your mailbox";
        done_body: "注册成功。我们已向您的邮箱发送了一封验证邮件，请打开邮件中的链接完成验证（24 小时内有效）。", "You are registered. We have sent a verification mail to your address: open the link in it to verify your email (it works for 24 hours).";
        done_spam: "几分钟内没有收到？请查看垃圾邮件文件夹，或登录后在“我的账号”中重新发送。", "Nothing after a few minutes? Look in your spam folder, or log in and send it again from “My account”.";
    }
);

words!(
    /// GET/POST /login.
    LoginWords {
        title: "登录", "Log in";
        email: "邮箱", "Email";
        password: "密码", "Password";
        submit: "登录", "Log in";
        wrong: "邮箱或密码不正确。", "Wrong email or password.";
        forgot: "忘记密码？", "Forgot your password?";
        register: "还没有账号？注册企业账号", "No account yet? Register your company";
    }
);

words!(
    /// GET/POST /forgot-password.
    ForgotWords {
        title: "忘记密码", "Forgot your password";
        intro: "输入您注册时使用的邮箱，我们会发送一个重置密码的链接（1 小时内有效）。", "Enter the email you registered with and we will send a link to choose a new password (it works for one hour).";
        email: "邮箱", "Email";
        submit: "发送重置链接", "Send the reset link";
        sent_title: "请查收邮件", "Check your mailbox";
        sent_body: "如果该邮箱有账号，重置密码的链接已在发送途中。几分钟内没有收到，请查看垃圾邮件文件夹。", "If an account exists for that email, a link is on its way. If nothing arrives within a few minutes, look in your spam folder.";
        back_to_login: "返回登录", "Back to log in";
    }
);

words!(
    /// GET/POST /account.
    AccountWords {
        title: "我的账号", "My account";
        saved: "已保存。", "Saved.";
        sent: "验证邮件已发送，请查收。", "The verification mail is on its way.";
        details_heading: "账号信息", "Account details";
        email: "邮箱", "Email";
        verified: "已验证", "Verified";
        unverified: "未验证", "Not verified";
        role: "身份", "Role";
        role_supplier: "零部件企业", "Parts supplier";
        role_oem: "整车企业", "Automaker (OEM)";
        role_staff: "协会工作人员", "Association staff";
        role_admin: "平台管理员", "Administrator";
        organization: "企业", "Company";
        no_organization: "无", "None";
        org_verified: "企业已认证", "Company verified";
        org_unverified: "企业待认证", "Company not yet verified";
        credit_code: "统一社会信用代码", "Unified social credit code";
        region: "所在地区", "Region";
        owner: "企业负责人", "Company owner";
        member: "企业成员", "Company member";
        verify_heading: "邮箱尚未验证", "Your email is not verified";
        unverified_body: "您的邮箱还没有验证。验证后才能发布供货能力或采购需求。", "Your email is not verified yet. You need to verify it before posting capabilities or needs.";
        resend: "重新发送验证邮件", "Send the verification mail again";
        settings_heading: "账号设置", "Settings";
        display_name: "您的姓名", "Your name";
        locale: "语言", "Language";
        locale_hint: "页面和邮件使用的语言。", "The language of pages and mail.";
        locale_zh: "中文", "中文 (Chinese)";
        locale_en: "English（英文）", "English";
        frequency: "通知邮件", "Notification mail";
        frequency_hint: "匹配、审核和合作意向的通知。验证、重置密码等安全邮件总会发送。", "About matches, reviews and cooperation intentions. Security mail (verification, password reset) always comes.";
        instant: "即时", "Instant";
        instant_hint: "每有新通知就发一封邮件。", "One mail for each notification, as it happens.";
        daily: "每日汇总", "Daily digest";
        daily_hint: "每天最多一封，汇总当天的通知。", "At most one mail a day, summing up the day's notifications.";
        off: "关闭", "Off";
        off_hint: "不发通知邮件，只在站内查看。", "No notification mail; see them on the site only.";
        save: "保存设置", "Save settings";
        members_link: "查看和管理企业成员", "See and manage your company's members";
        session_heading: "退出", "Log out";
        log_out: "退出登录", "Log out";
        password_heading: "修改密码", "Change your password";
        password_intro: "修改后，其他设备和浏览器上的登录都会结束，我们也会发邮件告诉您。", "Once it is changed, every other device and browser is logged out, and we tell you by mail.";
        current_password: "当前密码", "Current password";
        new_password: "新密码", "New password";
        new_password_hint: "至少 10 个字符，不要使用常见密码，也不要包含邮箱 @ 前的部分。", "At least 10 characters; not a common password, and not the part of your email before the @.";
        change_password: "修改密码", "Change password";
        password_changed: "密码已修改，其他设备上的登录已结束。", "Your password is changed, and you were logged out everywhere else.";
        sessions_heading: "登录设备", "Where you are logged in";
        sessions_intro: "以下是您账号当前有效的登录。不认识的登录请选中后退出，并修改密码。", "These are your account's logins that are still valid. End any you do not recognise, and change your password.";
        sessions_legend: "当前有效的登录", "Valid logins";
        this_browser: "此浏览器", "This browser";
        browser_session: "浏览器", "Browser";
        api_login: "API 登录", "API login";
        started: "登录于", "logged in";
        last_active: "最近活动", "last active";
        expires: "到期", "expires";
        sessions_password: "请再次输入密码", "Your password again";
        end_sessions: "退出所选登录", "End the chosen logins";
        sessions_ended: "所选登录已退出。", "The chosen logins are ended.";
    }
);

words!(
    /// GET /account/members and its forms.
    MembersWords {
        title: "企业成员", "Company members";
        invited: "邀请邮件已发送。对方打开邮件中的链接即可加入（7 天内有效）。", "The invitation is on its way. It works for seven days.";
        removed: "已移除该成员，其登录已失效。", "The member was removed and logged out.";
        name: "姓名", "Name";
        email: "邮箱", "Email";
        role: "身份", "Role";
        status: "状态", "Status";
        actions: "操作", "Actions";
        owner: "负责人", "Owner";
        member: "成员", "Member";
        verified: "已验证", "Verified";
        unverified: "未验证", "Not verified";
        deactivated: "已停用", "Deactivated";
        you: "（您）", " (you)";
        remove: "移除", "Remove";
        invite_heading: "邀请同事", "Invite a colleague";
        invite_intro: "对方会收到一封邀请邮件，设置姓名和密码后即加入本企业。", "They get an invitation mail, and join your company once they choose a name and a password.";
        invite_email: "同事的邮箱", "Colleague's email";
        invite_submit: "发送邀请", "Send the invitation";
        owner_only: "只有企业负责人可以邀请或移除成员。", "Only the company's owner can invite or remove members.";
        back: "返回我的账号", "Back to my account";
    }
);

words!(
    /// GET/POST /invitations/accept.
    InvitationWords {
        title: "接受邀请", "Accept the invitation";
        intro: "您受邀加入一家企业。请设置您的姓名和密码，完成后将自动登录。", "You are invited to join a company. Choose your name and a password; you will then be logged in.";
        display_name: "您的姓名", "Your name";
        password: "密码", "Password";
        password_hint: "至少 10 个字符，不要使用常见密码，也不要包含邮箱 @ 前的部分。", "At least 10 characters; not a common password, and not the part of your email before the @.";
        submit: "加入企业", "Join the company";
        invalid_title: "邀请链接无效或已过期", "This invitation is invalid or has expired";
        invalid_body: "邀请链接只能使用一次，7 天内有效。请联系企业负责人重新发送邀请。", "Invitation links work once, for seven days. Ask the company's owner to invite you again.";
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_fill_every_table() {
        for locale in Locale::ALL {
            assert!(!Common::for_locale(locale).log_in.is_empty());
            assert!(!AccountWords::for_locale(locale).title.is_empty());
        }
        assert_ne!(
            LoginWords::for_locale(Locale::ZhCn).wrong,
            LoginWords::for_locale(Locale::En).wrong
        );
    }
}

words!(
    /// The match pages: ranked pairs and why.
    MatchWords {
        need_heading: "匹配的供应商：", "Suppliers matched: ";
        capability_heading: "匹配的需求：", "Needs matched: ";
        party_intro: "这里列出协会审核通过的匹配，按匹配度排序。", "Matches the association approved, best first.";
        staff_intro: "匹配引擎给出的全部候选（含待审核），按排名排序。", "Every pair the matcher proposed (pending review included), by rank.";
        none_party: "暂无审核通过的匹配：协会审核匹配建议后会通知您。", "No approved matches yet: you will be told when the association approves one.";
        none_staff: "匹配引擎尚未找到合适的配对。", "The matcher has found no fitting pair yet.";
        score: "匹配度", "Score";
        distance: "距离", "Distance";
        why: "匹配理由", "Why";
        verified_badge: "已认证", "Verified";
        local_badge: "本地配套", "Local";
        category: "品类相符", "Category";
        proximity: "距离", "Proximity";
        capacity: "产能", "Capacity";
        text: "描述相关", "Description";
        verified: "企业认证", "Verified";
        responsiveness: "响应率", "Responsiveness";
        oem_responsiveness: "整车企业响应率", "Automaker's responsiveness";
        no_answers_yet: "暂无记录", "no record yet";
        proposed: "待审核", "Proposed";
        approved: "已通过", "Approved";
        rejected: "已驳回", "Rejected";
        withdrawn: "已撤回", "Withdrawn";
    }
);
