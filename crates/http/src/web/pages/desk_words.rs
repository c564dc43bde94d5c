//! Every visible word of the association desk pages (roster imports, docking events), Chinese
//! first and English second.

use peitao_domain::Locale;

use super::words::words;

words!(
    /// The desk pages.
    DeskWords {
        imports_title: "导入会员名单", "Import a member roster";
        imports_intro: "上传 CSV（UTF-8）或 XLSX 名单，列为 name, credit_code, kind, region_code, contact_email, categories。任何一行有错误时不会导入任何内容；新企业的联系人会收到邀请邮件。", "Upload a CSV (UTF-8) or XLSX roster with the columns name, credit_code, kind, region_code, contact_email, categories. If any row has an error nothing is imported; each new organization's contact is mailed an invitation.";
        file: "名单文件", "Roster file";
        dry_run: "仅试运行（检查但不写入）", "Dry run only (check, write nothing)";
        upload: "上传并导入", "Upload and import";
        past: "历次导入", "Past imports";
        no_imports: "还没有导入记录。", "No imports yet.";
        errors_csv: "下载错误清单（CSV）", "Download the errors (CSV)";
        when: "时间", "When";
        created: "新建", "Created";
        updated: "更新", "Updated";
        ok: "成功", "Imported";
        refused: "有错误，未导入", "Refused, nothing imported";
        trial: "试运行", "Dry run";
        row: "行", "Row";
        field: "字段", "Field";
        message: "说明", "Message";
        no_file: "请选择要上传的 CSV 或 XLSX 文件。", "Choose a CSV or XLSX file to upload.";
        too_large: "文件超过允许的大小。", "The file is larger than allowed.";
        done_ok: "导入完成。", "The roster was imported.";
        done_trial: "试运行完成，未写入任何内容。", "Dry run done; nothing was written.";
        done_refused: "名单中有错误，未导入任何内容，见下方列表。", "The roster has errors and nothing was imported; see the list below.";
        events_title: "线下对接活动", "Docking events";
        events_intro: "行业协会组织的线下供需对接活动，即将举行的在前。", "Face-to-face matchmaking events the association holds, upcoming first.";
        no_events: "暂无对接活动。", "No events yet.";
        date: "日期", "Date";
        place: "地点", "Place";
        zone: "经济区", "Zone";
        categories: "零部件类别", "Categories";
        invited: "已邀请企业", "Organizations invited";
        attending: "已报名企业", "Organizations attending";
        you_invited: "贵公司已受邀。", "Your company is invited.";
        you_attending: "贵公司已报名参加。", "Your company is registered to attend.";
        attend: "报名参加", "Register to attend";
        cancel: "取消报名", "Cancel attendance";
        not_eligible: "受邀企业或经协会认证的企业可以报名。", "Invited organizations, and those the association verified, can register.";
        invite_heading: "邀请企业", "Invite organizations";
        invite_intro: "被邀请企业的全部在职成员会收到通知和邮件；已邀请过的企业不会重复邀请。", "Every active member of an invited organization is notified and mailed; organizations already invited are not invited again.";
        invite_category: "邀请该类别的供应商", "Invite suppliers in these categories";
        invite_zone: "邀请经济区内的企业", "Invite organizations in the zone";
        invite_matches: "邀请相关匹配的双方", "Invite both parties of related matches";
        report: "下载活动报告（CSV）", "Download the event report (CSV)";
        done_invited: "已邀请 {n} 家企业。", "{n} organizations invited.";
        done_attend: "已报名。", "You are registered.";
        done_cancel: "已取消报名。", "Your attendance is cancelled.";
        done_created: "活动已创建，现在可以邀请企业。", "The event is created; you can invite organizations now.";
        create_heading: "新建对接活动", "New docking event";
        title: "活动名称", "Title";
        date_hint: "格式 YYYY-MM-DD，例如 2027-03-15。", "Written YYYY-MM-DD, e.g. 2027-03-15.";
        zone_hint: "经济区代码，例如 CHENGYU（成渝）、YRD（长三角）、PRD（珠三角）。", "A zone code, e.g. CHENGYU (Chengdu-Chongqing), YRD (Yangtze River Delta), PRD (Pearl River Delta).";
        categories_hint: "零部件类别代码，用分号分隔，例如 EDRIVE.BATTERY;CHIP。", "Category codes separated by semicolons, e.g. EDRIVE.BATTERY;CHIP.";
        create: "创建活动", "Create the event";
    }
);
