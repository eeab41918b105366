//! A message channel (chat, announcement, feed, dm): list, typing line and composer.
import { useEffect, useState } from 'react';
import type { Channel, Message } from '../../lib/realtime/types';
import { Composer } from './Composer';
import { MessageList } from './MessageList';
import { TypingIndicator } from './TypingIndicator';

export function ChannelView({ channel }: { channel: Channel }) {
  const [replyTo, setReplyTo] = useState<Message | undefined>();
  useEffect(() => setReplyTo(undefined), [channel.id]);
  return (
    <div className="channel-view">
      <MessageList channel={channel} onReply={setReplyTo} />
      <TypingIndicator channelId={channel.id} />
      <Composer channel={channel} replyTo={replyTo} onClearReply={() => setReplyTo(undefined)} />
    </div>
  );
}
