//! Every visible word of the match lifecycle pages (queue, match, quotes, intentions), Chinese
//! first and English second.

use peitao_domain::Locale;

use super::words::words;

words!(
    /// The lifecycle pages.
    LifecycleWords {
        queue_title: "匹配审核", "Match moderation";
        queue_intro: "匹配引擎提出的配对，最早的在前。批准后双方会收到邮件；驳回须填写原因。", "Pairs the matcher proposed, oldest first. Approving mails both sides; rejecting needs a reason.";
        queue_empty: "没有待审核的匹配。", "Nothing waits for moderation.";
        mine_title: "我的匹配", "My matches";
        mine_intro: "协会审核通过的匹配。打开一项表明是否感兴趣；双方都感兴趣后可以看到对方的联系方式。", "Matches the association approved. Open one to say whether you are interested; once both sides are, contacts are shown.";
        all_title: "全部匹配", "All matches";
        mine_empty: "暂无审核通过的匹配：协会审核后会通知您。", "No approved matches yet: you will be told when the association approves one.";
        intentions_title: "合作意向", "Cooperation intentions";
        intentions_intro: "双方登记的合作意向。协会确认后计入本地配套率统计。", "Intentions the parties recorded. Once the association confirms one it counts in the local supply figures.";
        intentions_empty: "暂无合作意向。", "No intentions yet.";
        quotes_title: "报价对比：", "Quotes compared: ";
        quotes_intro: "对该需求表示感兴趣的供应商的报价，按币种和单价排列。仅您和协会可见。", "The quotes of interested suppliers for this need, by currency and price. Only you and the association see them.";
        quotes_empty: "还没有供应商报价。", "No supplier has quoted yet.";
        need: "需求", "Need";
        capability: "供应能力", "Capability";
        supplier: "供应商", "Supplier";
        oem: "整车企业", "Automaker";
        score: "匹配度", "Score";
        status: "状态", "Status";
        proposed: "待审核", "Proposed";
        approved: "已通过", "Approved";
        rejected: "已驳回", "Rejected";
        withdrawn: "已撤回", "Withdrawn";
        verified: "已认证", "Verified";
        local: "本地配套", "Local";
        unverified: "未认证", "Not verified";
        responsiveness: "响应率", "Responsiveness";
        intentions_per_need: "每个需求的合作意向", "Intentions per need";
        no_history: "暂无", "none yet";
        open: "查看", "Open";
        approve: "批准", "Approve";
        reject: "驳回", "Reject";
        reason: "原因", "Reason";
        reject_reason_hint: "会记录在审核日志中。", "Kept in the audit log.";
        parties: "双方", "The parties";
        contact: "联系方式", "Contact";
        contact_hidden: "双方都表示感兴趣后才显示联系方式。", "Contacts are shown once both sides are interested.";
        interest: "意向", "Interest";
        not_answered: "尚未表态", "Not answered yet";
        interested: "感兴趣", "Interested";
        not_interested: "不感兴趣", "Not interested";
        your_answer: "您的表态", "Your answer";
        answer_final: "双方均已感兴趣，联系方式已公开。", "Both sides are interested and contacts are revealed.";
        say_interested: "表示感兴趣", "Say interested";
        say_not_interested: "表示不感兴趣", "Say not interested";
        decline_reason: "原因（可选）", "Reason (optional)";
        quote: "报价", "Quote";
        quote_hint: "报价只有需求方企业和协会可见。", "Only the automaker and the association see your quote.";
        unit_price: "单价", "Unit price";
        currency: "币种", "Currency";
        lead_time_days: "交货周期（天）", "Lead time (days)";
        valid_until: "报价有效期至", "Valid until";
        note: "备注", "Note";
        compare_quotes: "对比报价", "Compare quotes";
        intention: "合作意向", "Cooperation intention";
        intention_intro: "双方洽谈一致后，任何一方都可以登记合作意向，由协会确认。", "Once you have agreed, either side records the intention; the association confirms it.";
        annual_volume: "年采购量", "Annual volume";
        unit: "单位", "Unit";
        expected_start: "预计开始日期", "Expected start";
        event: "对接活动（可选）", "Docking event (optional)";
        no_event: "不关联活动", "No event";
        record_intention: "登记合作意向", "Record the intention";
        confirm: "确认", "Confirm";
        dismiss: "不予确认", "Dismiss";
        intention_recorded: "已登记，待协会确认", "Recorded, awaiting the association";
        intention_confirmed: "协会已确认", "Confirmed by the association";
        intention_dismissed: "协会未予确认", "Dismissed by the association";
        history: "状态变更记录", "History";
        when: "时间", "When";
        action: "操作", "Action";
        details: "详情", "Details";
        done_approved: "已批准，双方已收到通知。", "Approved; both sides have been told.";
        done_rejected: "已驳回。", "Rejected.";
        done_answered: "已记录您的表态。", "Your answer is recorded.";
        done_intention: "合作意向已登记，对方已收到通知。", "The intention is recorded and the other side told.";
        done_confirmed: "合作意向已确认。", "The intention is confirmed.";
        done_dismissed: "合作意向未予确认。", "The intention is dismissed.";
        queue_link: "匹配审核", "Moderation";
        mine_link: "我的匹配", "My matches";
    }
);
