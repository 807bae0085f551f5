# Atelier — 简体中文消息。每个键都必须与 en/main.ftl 一一对应。

nav-label = 主导航
nav-home = 首页
nav-password = 修改密码
nav-sign-out = 退出登录
lang-label = 语言
lang-switch = 切换

role-admin = 管理员
role-manager = 店长
role-fitter = 量体师

field-email = 电子邮箱
field-password = 密码
field-current-password = 当前密码
field-new-password = 新密码
field-confirm-password = 再次输入新密码

sign-in-title = 员工登录
sign-in-submit = 登录
sign-in-failed = 邮箱或密码不正确，请检查后重试。
sign-in-throttled = 登录失败次数过多。为保护您的账户，请在 { $minutes } 分钟后重试。
sign-in-signed-out = 您已退出登录。
email-required = 请输入电子邮箱。
email-invalid = 请输入有效的电子邮箱，例如 name@example.com。
password-required = 请输入密码。

home-title = 首页
home-welcome = 欢迎，{ $name }
home-store-empty = 暂无顾客或订单，有了之后会显示在这里。
home-all-stores = 全部门店

store-team = 团队
store-team-empty = 本店暂无员工。

password-title = 修改密码
password-required-notice = 您使用一次性密码登录。请设置您自己的密码后继续。
password-hint = 至少 12 个字符。几个不相关的词组合起来就是好密码。
password-submit = 保存密码
password-current-wrong = 当前密码不正确。
password-too-short = 请至少使用 { $min } 个字符。
password-too-long = 最多使用 128 个字符。
password-mismatch = 两次输入的新密码不一致。
password-unchanged = 请选择与当前密码不同的新密码。

error-status = 状态码
error-home = 返回首页
error-bad-request-title = 请求有误
error-bad-request = 无法理解提交的内容。请返回检查表单后重试。
error-forbidden-title = 无权访问
error-forbidden = 您无权访问此页面，或表单已过期。请刷新页面后重试。
error-not-found-title = 页面不存在
error-not-found = 此地址没有内容，可能已移动或链接有误。
error-method-not-allowed-title = 无法执行
error-method-not-allowed = 此页面不支持该操作方式。
error-too-large-title = 数据过大
error-too-large = 提交的内容过大。
error-too-many-title = 请求过多
error-too-many = 请稍候再试。
error-unavailable-title = 系统繁忙
error-unavailable = 系统繁忙，数据没有丢失，请稍后重试。
error-unexpected-title = 出错了
error-unexpected = 我们这边发生了意外错误，已记录，请重试。

nav-customers = 顾客
error-conflict-title = 现在无法执行
error-conflict = 记录已被更改或不再允许此操作。请刷新页面后重试。
error-gone-title = 已不存在
error-gone = 此记录已被删除。

customers-title = 顾客
customers-enroll = 登记新顾客
customers-search-label = 查找顾客
customers-search-placeholder = 姓名、邮箱、电话或顾客编号
customers-search = 搜索
customers-none-found = 没有匹配的顾客。请检查拼写，或登记新顾客。

customer-new-title = 登记新顾客
customer-duplicates-warning = 此顾客可能已经登记过。请打开已有记录，或确认这是另一个人。
customer-not-a-duplicate = 这是另一个人：仍然登记
customer-enroll-submit = 登记
field-customer-name = 姓名
field-phone = 电话
field-channel = 首选联系方式
field-marketing-consent = 同意接收新闻和优惠信息
channel-auto = 自动选择
channel-email = 电子邮件
channel-phone = 电话
channel-sms = 短信
channel-none = 请勿联系

customer-name-required = 请输入顾客姓名。
customer-name-too-long = 最多 120 个字符。
customer-contact-required = 请输入电子邮箱或电话号码，以便联系顾客。
phone-invalid = 请输入 6 到 15 位数字的电话号码，例如 +86 138 0013 8000。
channel-invalid = 请从列出的方式中选择。
channel-needs-email = 选择电子邮件需要填写邮箱。
channel-needs-phone = 电话和短信需要填写电话号码。
contact-kind-invalid = 请选择联系类型。
text-too-long = 最多 2000 个字符。
rating-required = 请选择 1 到 5 的评分。
contact-summary-required = 请简要描述这次联系。
preference-text-required = 请填写偏好内容。
preference-kind-required = 请选择适用于每个订单还是仅下一个订单。
resolution-required = 请填写投诉的处理结果。
erase-confirm-mismatch = 请按显示内容准确输入顾客编号以确认。

customer-erased-title = 顾客数据已删除
customer-erased-text = 此顾客的个人数据已被删除。订单和生产记录以匿名方式保留。

merge-title = 合并重复记录
merge-intro = 您在下方选择的记录将合并到 { $name }：其量体数据、备注和联系记录将转移到这里，并且不再出现在搜索结果中。
merge-no-candidates = 没有发现可能的重复记录。请搜索另一条记录。
merge-submit = 合并到此顾客
merge-hint = 合并无法撤销，并会以您的名义记录。

customer-home-store = 登记于 { $store }
customer-take-measurements = 量体
customer-measurement-history = 量体历史
customer-export = 导出数据
customer-merge = 合并重复记录

preferences-title = 偏好与备注
preferences-none = 暂无偏好。
preference-standing = 每个订单
preference-one-off = 仅下一个订单
preference-pinned = 已置顶
preference-pin = 置顶
preference-unpin = 取消置顶
preference-drop = 移除
preference-add = 添加偏好或备注
preference-placeholder = 例如：喜欢宽松版型
preference-kind = 适用范围
preference-save = 添加

measurements-latest = 最近一次量体，{ $date }
consent-title = 营销与联系
consent-given = 已同意接收新闻和优惠信息。
consent-none = 不做营销：顾客未同意。
consent-changed = 更改于 { $date }
consent-save = 保存

contact-log-title = 记录联系
contact-kind = 类型
contact-visit = 到店
contact-call = 电话
contact-message = 消息
contact-complaint = 投诉
contact-feedback = 反馈
contact-measurements = 量体
contact-rating = 评分（反馈）
contact-summary = 详情
contact-save = 记录

timeline-title = 时间线
timeline-empty = 暂无记录。量体、联系和订单将按时间倒序显示在这里。
timeline-measurements = 测量了 { $count } 项
timeline-measurements-self = { $count } 项，由顾客自行测量
rating-of-five = { $rating } / 5 分
complaint-open = 待处理
complaint-resolution = 如何处理的？
complaint-resolve = 处理完毕
complaint-resolved = 已处理

erase-title = 删除此顾客
erase-text = 永久删除姓名、联系方式、备注、联系记录和量体数据。订单和生产记录以匿名方式保留。
erase-confirm = 输入 { $reference } 以确认
erase-submit = 删除个人数据

measurements-new-title = 量体
measurements-units = 单位
measurements-check-title = 请核对这些数值
measurements-check-text = 这些数值不常见但有可能。如有疑问请重新测量；如果无误，请确认。
measurements-confirm-save = 数值无误：确认并保存
measurements-how = 测量方法
measurements-self-measured = 由顾客自行测量
measurements-save = 保存量体数据
measurements-empty = 请至少输入一项测量值。
measurements-history-title = 量体历史
measurements-none = 暂无量体数据。
measurements-date = 日期
measurements-confirmed = 已确认的提示
measurements-self = 自行测量

nav-catalogs = 产品目录
catalogs-title = 产品目录
catalogs-none = 尚未加载任何产品目录。
catalog-code = 目录
catalog-version = 版本
catalog-revision = 修订
catalog-file = 文件名
catalog-imported-at = 导入时间
catalog-current = 当前
catalog-import-title = 导入产品目录
catalog-import-hint = 产品目录是 TOML 文件。保存前会进行检查：未知的选项或取值、无法解析的表达式、永远无法选择的取值，以及典型顾客无法订购的产品都会被拒绝，并指出错误位置。导入修改后的目录会生成新修订；订单保留下单时的修订。
catalog-file-pick = 选择文件
catalog-source = 目录内容（TOML）
catalog-import-submit = 检查并导入
catalog-refused = 目录未导入：
catalog-source-required = 请选择文件或粘贴目录内容。
catalog-source-too-large = 目录超过 1 MB。
catalog-imported = 已导入 { $version }。
catalog-unchanged = 没有变化：{ $version } 已是完全相同的内容。
catalog-coverage = 覆盖率报告
catalog-options = { $count } 个选项
catalog-rules = { $count } 条规则
catalog-derived = { $count } 个推导值
coverage-title = 覆盖率报告
coverage-intro = 用 ANSUR II 人体测量调查（6,068 名成年人）检验本目录：每种性别中有多少真实的人存在有效配置、他们得到哪些尺码，以及哪些测量值把其余的人排除在外。这样尺码缺口在顾客发现之前就能被发现。
coverage-sampled = 快速查看：调查中每 { $every } 人取 1 人。
